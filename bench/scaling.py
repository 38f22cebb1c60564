"""Cost versus data: does a page of 50, or a read by id, cost more when the collection holds more rows?

One twin (``--services wayscloud,g4fagent,polykomos``, plus the WAYSCloud seed
once more as ``--spec <seed>:wayscloud-generic``, which no pack serves, so the
generic engine alone answers it; fresh data dir, free loopback port) and one
tenant. For each case below one row is created through the API, the state is
exported, and two snapshots are built from it in which that collection holds
``--sizes`` rows (default 50 and 10,000): copies of the created row, each under
a fresh id of the same shape, in insertion order. Each round imports one
snapshot (``POST /_twinstack/state/import``; the store rebuilds its index and
count tables from it), checks that the pages come back full, and times
``--requests`` sequential requests per operation over one keep-alive connection
(after a few unmeasured ones):

- first page: 50 items, the page a client asks for first;
- last page: the 50 oldest items (a deep offset or cursor), for information;
- read by id: an item from the middle of the collection.

Cases: WAYSCloud IoT devices (a pack list, ``page``/``page_size``), WAYSCloud
contacts (a pack list), G4FAgent projects (a pack list, ``limit``/``cursor``
offset), Polykomos blueprints (a pack list, ``limit``/``starting_after``, newest
first), and two generic lists on the ``wayscloud-generic`` copy: contacts
(``page``/``per_page``) and transcript jobs (``limit``/``offset``), the engine's
own window and count. Sizes alternate round by round; per operation and size the
median of the rounds' medians is reported, with the ratio largest/smallest.
Issue 7's targets, for generic and pack lists alike: the first page out of
10,000 at most 1.5x the page out of 50, the read by id flat.

    python bench/scaling.py
    python bench/scaling.py --sizes 50,10000 --requests 150 --rounds 5 --json scaling.json
    python bench/scaling.py --quick
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from servers import WAYSCLOUD_SEED, Twin, load_average, spec_argument, start_twin

PAGE = 50
SERVICES = "wayscloud,g4fagent,polykomos"
GENERIC = "wayscloud-generic"
"""The WAYSCloud seed again under a slug no pack has: its lists are the generic engine's (issue 7 asks for
generic lists and pack lists alike, and every built-in pack overrides its own)."""
SPECS = (spec_argument(WAYSCLOUD_SEED, GENERIC),)
LIST_TARGET, READ_TARGET = 1.5, 1.25
"""Largest/smallest median ratios that meet issue 7 (``READ_TARGET`` is what "flat" is taken to mean here)."""

Json = dict[str, Any]


@dataclass(slots=True)
class Case:
    name: str
    slug: str
    collection: str
    """The store collection the created row lands in."""
    create_path: str
    create_body: Json
    list_path: str
    list_params: dict[str, str]
    read_path: str
    items: Callable[[Json], list[Any]]
    created_id: Callable[[Json], str]
    last_page: Callable[[int, Callable[[int], str]], dict[str, str]]
    """Query of the page of the 50 oldest of ``n`` rows, given the id of the row inserted ``k``-th."""
    kind: str = "pack list"
    create_headers: Callable[[], dict[str, str]] = field(default=lambda: {})


CASES = (
    Case("WAYSCloud IoT devices", "wayscloud", "/v1/iot/devices", "/wayscloud/v1/iot/devices",
         {"name": "Temperature Sensor A", "description": "bench device"},
         "/wayscloud/v1/iot/devices", {"page_size": str(PAGE)}, "/wayscloud/v1/iot/devices/{id}",
         lambda body: list(body["devices"]), lambda body: str(body["device_id"]),
         lambda n, rid: {"page": str(max(1, n // PAGE))}),
    Case("WAYSCloud contacts", "wayscloud", "contacts/contacts", "/wayscloud/v1/contacts",
         {"name": "Ola Nordmann", "type": "person", "email": "ola@example.com"},
         "/wayscloud/v1/contacts", {"per_page": str(PAGE)}, "/wayscloud/v1/contacts/{id}",
         lambda body: list(body["contacts"]), lambda body: str(body["id"]),
         lambda n, rid: {"page": str(max(1, n // PAGE))}),
    Case("G4FAgent projects", "g4fagent", "/projects", "/g4fagent/api/v1/projects", {"name": "bench project"},
         "/g4fagent/api/v1/projects", {"limit": str(PAGE)}, "/g4fagent/api/v1/projects/{id}",
         lambda body: list(body["items"]), lambda body: str(body["project"]["id"]),
         lambda n, rid: {"cursor": str(max(0, n - PAGE))}),
    Case("Polykomos blueprints", "polykomos", "blueprints", "/polykomos/api/v1/blueprints",
         {"name": "bench blueprint", "sql_content": "CREATE TABLE IF NOT EXISTS t (id int);"},
         "/polykomos/api/v1/blueprints", {"limit": str(PAGE)}, "/polykomos/api/v1/blueprints/{id}",
         lambda body: [b for b in body["data"] if not b.get("is_system_blueprint")],
         lambda body: str(body["data"]["uuid"]),
         # Newest first: the 50 oldest follow the row inserted 51st.
         lambda n, rid: {"starting_after": rid(PAGE)} if n > PAGE else {},
         create_headers=lambda: {"Idempotency-Key": str(uuid.uuid4())}),
    Case("generic contacts", GENERIC, "/v1/contacts", f"/{GENERIC}/v1/contacts",
         {"name": "Ola Nordmann", "type": "person", "email": "ola@example.com"},
         f"/{GENERIC}/v1/contacts", {"per_page": str(PAGE)}, f"/{GENERIC}/v1/contacts/{{id}}",
         lambda body: list(body["contacts"]), lambda body: str(body["id"]),
         lambda n, rid: {"page": str(max(1, n // PAGE))}, kind="generic list"),
    Case("generic transcript jobs", GENERIC, "/v1/transcript/jobs", f"/{GENERIC}/v1/transcript/jobs",
         {"filename": "meeting.mp3", "content_type": "audio/mpeg", "file_size_bytes": 15728640},
         f"/{GENERIC}/v1/transcript/jobs", {"limit": str(PAGE)}, f"/{GENERIC}/v1/transcript/jobs/{{id}}",
         lambda body: list(body["jobs"]), lambda body: str(body["job_id"]),
         lambda n, rid: {"offset": str(max(0, n - PAGE))}, kind="generic list"),
)
OPERATIONS = ("first page", "last page", "read by id")


@dataclass(slots=True)
class Figure:
    case: str
    kind: str
    operation: str
    size: int
    medians_ms: list[float] = field(default_factory=list)
    items: int = 0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.medians_ms) if self.medians_ms else 0.0


@dataclass(slots=True)
class Seeded:
    case: Case
    headers: dict[str, str]
    rid: str
    row: list[Any]
    """The created row as the snapshot holds it (``resources`` columns)."""


def clone_id(rid: str, k: int) -> str:
    """The id of the ``k``-th row (0 = the one created through the API): same length and shape, digits at the end."""
    return rid if k == 0 else rid[:-7] + f"{k:07d}"


def auth_headers(twin: Twin, client: httpx.Client, slug: str) -> dict[str, str]:
    creds = twin.credentials[slug]
    if slug == GENERIC:
        # A --spec service gets one bearer token for every http bearer scheme its document declares.
        return {"Authorization": f"Bearer {creds['token']}"}
    if slug == "wayscloud":
        return {"Authorization": f"Bearer {creds['pat']}"}
    if slug == "g4fagent":
        login = client.post("/g4fagent/api/v1/auth/login",
                            json={"method": "password", "email": creds["email"], "password": creds["password"]})
        login.raise_for_status()
        return {"Authorization": f"Bearer {login.json()['access_token']}"}
    return {"Authorization": f"Bearer {creds['api_key']}"}


def seed(twin: Twin, client: httpx.Client) -> tuple[list[Seeded], Json]:
    """One row per case through the API, and the exported state holding them."""
    created: list[tuple[Case, dict[str, str], str]] = []
    for case in CASES:
        headers = auth_headers(twin, client, case.slug)
        response = client.post(case.create_path, json=case.create_body, headers=headers | case.create_headers())
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{case.name}: create answered {response.status_code}: {response.text[:300]}")
        created.append((case, headers, case.created_id(response.json())))
    snapshot: Json = client.get("/_twinstack/state/export").json()
    columns = snapshot["columns"]["resources"]
    at = {name: columns.index(name) for name in ("service", "tenant", "collection", "rid")}
    seeded = []
    for case, headers, rid in created:
        row = next((r for r in snapshot["resources"] if (r[at["service"]], r[at["tenant"]], r[at["collection"]],
                                                          r[at["rid"]]) == (case.slug, twin.tenant, case.collection,
                                                                            rid)), None)
        if row is None:
            raise RuntimeError(f"{case.name}: row {rid} not found in collection {case.collection!r} of the export")
        seeded.append(Seeded(case, headers, rid, row))
    return seeded, snapshot


def with_rows(snapshot: Json, seeded: list[Seeded], size: int) -> Json:
    """``snapshot`` with each case's collection grown to ``size`` copies of its created row, in insertion order."""
    out = copy.copy(snapshot)
    columns = snapshot["columns"]["resources"]
    rid_at, seq_at, data_at = columns.index("rid"), columns.index("seq"), columns.index("data")
    rows = list(snapshot["resources"])
    seq = max(int(r[seq_at]) for r in rows)
    for s in seeded:
        rid = s.rid
        for k in range(1, size):
            seq += 1
            clone = list(s.row)
            clone[rid_at], clone[seq_at] = clone_id(rid, k), seq
            clone[data_at] = s.row[data_at].replace(rid, clone_id(rid, k))
            rows.append(clone)
    out["resources"] = rows
    return out


def timed(client: httpx.Client, path: str, params: dict[str, str], headers: dict[str, str],
          requests: int) -> tuple[float, httpx.Response]:
    """Median milliseconds of ``requests`` sequential GETs (after 5 unmeasured), and the last response.

    Each GET carries a query parameter of its own (``fresh``, which no operation declares): the twin keeps
    a read's answer until the state changes, and this measures what making the answer costs.
    """
    def fresh(n: int) -> dict[str, str]:
        return {**params, "fresh": str(n)}

    response = client.get(path, params=fresh(0), headers=headers)
    for n in range(1, 5):
        client.get(path, params=fresh(n), headers=headers)
    samples = []
    for n in range(5, 5 + requests):
        started = time.perf_counter()
        response = client.get(path, params=fresh(n), headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} {params} answered {response.status_code}: {response.text[:300]}")
    return statistics.median(samples), response


def measure_size(client: httpx.Client, seeded: list[Seeded], size: int, requests: int,
                 figures: dict[tuple[str, str, int], Figure]) -> None:
    for s in seeded:
        case, rid = s.case, s.rid
        last = case.last_page(size, lambda k: clone_id(rid, k))
        reads: tuple[tuple[str, str, dict[str, str]], ...] = (
            ("first page", case.list_path, case.list_params),
            ("last page", case.list_path, case.list_params | last),
            ("read by id", case.read_path.format(id=clone_id(rid, size // 2)), {}),
        )
        for operation, path, params in reads:
            median, response = timed(client, path, params, s.headers, requests)
            figure = figures.setdefault((case.name, operation, size), Figure(case.name, case.kind, operation, size))
            figure.medians_ms.append(median)
            figure.items = len(case.items(response.json())) if operation != "read by id" else 1


def measure(sizes: list[int], requests: int, rounds: int, tmp: Path) -> list[Figure]:
    twin = start_twin(tmp, SERVICES, name="scaling", specs=SPECS)
    try:
        with httpx.Client(base_url=twin.server.url, timeout=60) as client:
            seeded, snapshot = seed(twin, client)
            snapshots = {size: json.dumps(with_rows(snapshot, seeded, size)).encode() for size in sizes}
            figures: dict[tuple[str, str, int], Figure] = {}
            for _ in range(rounds):
                for size in sizes:
                    imported = client.post("/_twinstack/state/import", content=snapshots[size],
                                           headers={"Content-Type": "application/json"}, timeout=300)
                    if imported.status_code != 200:
                        raise RuntimeError(f"import of {size} rows answered {imported.status_code}: "
                                           f"{imported.text[:300]}")
                    measure_size(client, seeded, size, requests, figures)
                    print(f"  measured with {size} rows stored", flush=True)
            return list(figures.values())
    finally:
        twin.server.stop()


def report(figures: list[Figure], sizes: list[int], requests: int, rounds: int) -> str:
    small, large = min(sizes), max(sizes)
    by = {(f.case, f.operation, f.size): f for f in figures}
    head = f"{'case':<24} {'kind':<12} {'operation':<11}" + "".join(f" {f'{n} rows':>11}" for n in sizes)
    lines = [head + f" {'ratio':>7}  items per page", "-" * (len(head) + 24)]
    checks = []
    for case in CASES:
        for operation in OPERATIONS:
            row = [by[(case.name, operation, n)] for n in sizes if (case.name, operation, n) in by]
            if not row:
                continue
            lo, hi = by[(case.name, operation, small)], by[(case.name, operation, large)]
            ratio = hi.median_ms / lo.median_ms if lo.median_ms else 0.0
            items = "/".join(str(f.items) for f in row) if operation != "read by id" else ""
            lines.append(f"{case.name:<24} {case.kind:<12} {operation:<11}"
                         + "".join(f" {f.median_ms:>8.2f} ms" for f in row) + f" {ratio:>6.2f}x  {items}")
            limit = {"first page": LIST_TARGET, "read by id": READ_TARGET}.get(operation)
            if limit is not None:
                checks.append(f"target {'met    ' if ratio <= limit else 'NOT met'}: {case.name}, {operation}: "
                              f"{large} rows cost {ratio:.2f}x {small} rows (at most {limit:g}x)")
            short = [f for f in row if operation != "read by id" and f.items != min(PAGE, f.size)]
            checks += [f"note: {case.name}, {operation} with {f.size} rows returned {f.items} items, not "
                       f"{min(PAGE, f.size)}" for f in short]
    lines += ["", *checks, f"(median latency of {requests} sequential requests on one connection, median of "
              f"{rounds} rounds, sizes alternating; loopback; {load_average()} at the end)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cost of a page and a read as the data grows (loopback, bounded).")
    parser.add_argument("--sizes", default="50,10000", help="rows stored per collection (default 50,10000)")
    parser.add_argument("--requests", type=int, default=150, help="timed requests per operation and round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (each imports every size once)")
    parser.add_argument("--quick", action="store_true", help="sizes 50,1000, 20 requests, one round")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    sizes = sorted({max(1, int(n)) for n in str(args.sizes).split(",") if n.strip()})
    requests, rounds = max(1, args.requests), max(1, args.rounds)
    if args.quick:
        sizes, requests, rounds = [50, 1000], 20, 1
    with tempfile.TemporaryDirectory(prefix="twinstack-scaling-") as tmp:
        figures = measure(sizes, requests, rounds, Path(tmp))
    print(report(figures, sizes, requests, rounds))
    if args.json:
        args.json.write_text(json.dumps([asdict(f) | {"median_ms": f.median_ms} for f in figures], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
