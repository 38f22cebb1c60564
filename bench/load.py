"""Load benchmark: Blue Lobster's list and launch on the twin, a hand-written baseline and Stoplight Prism,
and the same list served by the generic engine alone.

All servers run at once on free loopback ports (fresh data dirs) and are
measured interleaved, round by round, on the same two requests:

- ``GET  <api>/instances`` (20 instances launched first on the stateful targets)
- ``POST <api>/instances/launch-instance`` (a body valid per the seed)

at each ``--connections`` level; plus, on a second twin whose host inventory
is full, the launch's declared 409 path; plus, with ``--compare``, the "generic
list": the same ``GET <api>/instances`` on a third twin that serves the Blue
Lobster seed as ``--spec <seed>:bluelobster-generic`` and no pack, so the
generic engine answers it (its 20 instances are imported, as the generic
engine has no create for them), against the baseline's list; plus, with
``--compare``, the launch on a second baseline started ``--booking``, which books
capacity and an address and records the task by hand as the twin's launch
does (``bench/baseline_app.py``), so the report tells the cost of that work
from the cost of the twin's generality. Before the
launch rounds the main twin's inventory is raised (``POST /_twinstack/bluelobster/inventory``) so
that every launch of the run fits. It reports requests/s, p50/p99 latency,
the status mix, twin/baseline and twin/Prism ratios, the resident memory of
each server after start and after the load, and (``--compare``) the twin's
start-up time with every built-in seed (``bench/startup.py``). The load comes
from ``wrk`` when installed, else from a Python generator; the report names the
tool. Every run is bounded in time and requests and stops its servers itself;
nothing leaves loopback.

    python bench/load.py              # the twin
    python bench/load.py --baseline   # the hand-written reference (bench/baseline_app.py)
    python bench/load.py --compare    # twin, baseline, Prism, the 409 path, start-up; ratios and targets
    python bench/load.py --quick      # a one-second smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from loadgen import Load, Measurement, Scenario, median_round, run_python, run_wrk
from servers import (BLUELOBSTER_SEED, ROOT, Server, Twin, free_port, load_average, prism_available, prism_version,
                     spec_argument, start_prism, start_twin)
from startup import Startup, measure_startup
from startup import as_json as startup_json
from startup import report as startup_report

TWIN_API = "/bluelobster/api/v1"
PRISM_API = "/api/v1"
"""Prism serves the seed's paths as written (the seed declares no server)."""
LAUNCH_BODY: dict[str, object] = {
    "region": "us-east-1",
    "instance_type": "v1_cpu_small",
    "username": "ubuntu",
    "ssh_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZ1cmV0ZXN0a2V5 user@host",
}
BAD_LAUNCH_BODY: dict[str, object] = {"region": 7}
BASE_LAUNCHES = 172
"""Launches of ``LAUNCH_BODY`` that fill the base inventory; the run measures it again when it can."""
FILL_BOUND = 5_000
GENERIC_SLUG = "bluelobster-generic"
GENERIC_API = f"/{GENERIC_SLUG}/api/v1"
"""The Blue Lobster seed under a slug no pack has: every operation is the generic engine's."""
GENERIC_COLLECTION = "/api/v1/instances"
"""The store collection the generic engine lists ``GET /api/v1/instances`` from (its inferred plan)."""
LIST, LAUNCH, FULL = "list instances", "launch instance", "launch at capacity (409)"
LIST_FRESH = "list, made afresh"
GENERIC_LIST = "generic list"
TWIN, BASELINE, PRISM, TWIN_FULL = "twin", "baseline", "prism", "twin (full)"
BOOKING = "baseline (booking)"
TWIN_GENERIC = "twin (generic)"
LISTS = (LIST, GENERIC_LIST)
SUBJECT = {LIST: TWIN, LIST_FRESH: TWIN, GENERIC_LIST: TWIN_GENERIC, LAUNCH: TWIN}
"""The twin each scenario measures against the baseline (and Prism)."""
LEAST_SHARE = {LIST: ("twin", 0.8), LIST_FRESH: ("twin, no answer reused,", 0.8),
               GENERIC_LIST: ("generic engine list", 0.9), LAUNCH: ("twin", 0.8)}
"""Issue 7's least twin/baseline throughput per scenario, and what its line calls the twin."""
Runner = Callable[[str, Scenario, str, str, Load], Measurement]


SCENARIOS = (
    Scenario(LIST, "GET", "/instances"),
    # The list again, with a query no operation declares and no two requests share: the twin can reuse no
    # answer (it keeps a read's answer until the state changes, ``engine/read_cache.py``) and makes each one.
    Scenario(LIST_FRESH, "GET", "/instances", fresh=True),
    # The same request as the list above, on the generic twin and the baseline (which answers it as its list);
    # before any launch, so the baseline still lists its seeded instances.
    Scenario(GENERIC_LIST, "GET", "/instances"),
    Scenario(LAUNCH, "POST", "/instances/launch-instance", LAUNCH_BODY),
    Scenario(FULL, "POST", "/instances/launch-instance", LAUNCH_BODY),
)


@dataclass(slots=True)
class Target:
    name: str
    server: Server
    api_key: str
    api: str
    scenarios: tuple[str, ...]
    rss_after_start_mb: float = 0.0
    rss_after_load_mb: float = 0.0


@dataclass(slots=True)
class Settings:
    duration: float
    connections: list[int]
    threads: int
    max_requests: int
    seed_instances: int
    tool: str
    rounds: int
    launch_rate_bound: float
    startup_runs: int
    warmup: float


@dataclass(slots=True)
class Run:
    measurements: list[Measurement] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    startup: Startup | None = None
    all_seeds: bool = False
    load_before: str = ""


def launch_until_full(url: str, key: str, *, bound: int = FILL_BOUND, seconds: float = 120) -> tuple[int, int | None]:
    """Launch until the first answer that is not 200: (launches that succeeded, that status or None)."""
    deadline = time.monotonic() + seconds
    done = 0
    with httpx.Client(headers={"X-API-Key": key}, timeout=30) as client:
        while done < bound and time.monotonic() < deadline:
            status = client.post(url, json=LAUNCH_BODY).status_code
            if status != 200:
                return done, status
            done += 1
    return done, None


def seed_instances(url: str, key: str, count: int) -> Counter[int]:
    """Launch ``count`` instances so the list scenario returns a realistic page."""
    statuses: Counter[int] = Counter()
    with httpx.Client(headers={"X-API-Key": key}, timeout=30) as client:
        for _ in range(count):
            statuses[client.post(url, json=LAUNCH_BODY).status_code] += 1
    return statuses


def generic_instance(vm_id: str, now: str) -> dict[str, object]:
    """A stored instance of the shape the baseline stores (a valid ``VMInstance``), so both lists send alike
    pages; ``_id``/``_created`` are the store's keys of every generic record."""
    return {"uuid": vm_id, "name": vm_id, "host_id": "px1", "region": "us-east-1", "ip_address": "192.0.2.10",
            "cpu_cores": 4, "memory": 16, "storage": 100, "gpu_count": 0, "gpu_model": None,
            "power_status": "unknown", "created_at": now, "metadata": None, "_id": vm_id, "_created": time.time()}


def seed_generic(twin: Twin, count: int) -> None:
    """``count`` instances in the generic twin's list, through an export and an import of its state: the seed
    launches instances through an action, which the generic engine answers without storing one, and declares
    no create for the collection. Raises unless the list then returns exactly ``count`` items, so the generic
    list is never measured empty."""
    url = twin.server.url
    snapshot = httpx.get(url + "/_twinstack/state/export", timeout=60).json()
    columns: list[str] = snapshot["columns"]["resources"]
    rows = list(snapshot["resources"])
    seq = max((int(r[columns.index("seq")]) for r in rows), default=0)
    now, stamp = time.time(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for k in range(count):
        vm_id = f"vm-{uuid.uuid4().hex[:12]}"
        data = json.dumps(generic_instance(vm_id, stamp), separators=(",", ":"))
        values: dict[str, object] = {"service": GENERIC_SLUG, "tenant": twin.tenant,
                                     "collection": GENERIC_COLLECTION, "rid": vm_id, "seq": seq + k + 1,
                                     "created_at": now, "updated_at": now, "data": data}
        rows.append([values[c] for c in columns])
    imported = httpx.post(url + "/_twinstack/state/import", json=snapshot | {"resources": rows}, timeout=120)
    if imported.status_code != 200:
        raise RuntimeError(f"generic twin: import answered {imported.status_code}: {imported.text[:300]}")
    key = twin.credentials[GENERIC_SLUG]["api_key"]
    listing = httpx.get(url + GENERIC_API + "/instances", headers={"X-API-Key": key}, timeout=30)
    found = listing.json() if listing.status_code == 200 else None
    if not isinstance(found, list) or len(found) != count:
        raise RuntimeError(f"generic twin: after importing {count} instances its list answered "
                           f"{listing.status_code}: {listing.text[:300]}")


def plan_multiplier(s: Settings, base: int) -> int:
    """An inventory scale that fits every launch the run can make at ``launch_rate_bound`` req/s, with margin."""
    expected = (s.rounds * len(s.connections) * s.duration + s.warmup) * s.launch_rate_bound + s.seed_instances
    return max(1, math.ceil(expected * 1.25 / max(1, base)))


def raise_inventory(twin: Twin, multiplier: int, base: int) -> str:
    """Scale the twin's host inventory by ``multiplier``; what happened, for the report."""
    url = twin.server.url + "/_twinstack/bluelobster/inventory"
    try:
        response = httpx.post(url, json={"multiplier": multiplier}, timeout=60)
        ok, reason = response.is_success, f"answered HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        ok, reason = False, f"failed: {exc}"
    if ok:
        return (f"inventory: POST /_twinstack/bluelobster/inventory {{\"multiplier\": {multiplier}}} "
                      f"{reason}; room for about {multiplier * base} launches")
    return (f"inventory: the control POST /_twinstack/bluelobster/inventory {reason}, so the twin's launch "
                   f"rounds run against the base inventory, which fills after {base} launches: its launch figure "
                   "is mostly the 409 path (see its status mix), not a launch")


def checks_before(targets: list[Target]) -> str:
    """What every target lists, and answers to an invalid launch body: all of them store rows and validate."""
    listed, refused = [], []
    for t in targets:
        if not set(LISTS) & set(t.scenarios):
            continue
        headers = {"X-API-Key": t.api_key}
        listing = httpx.get(t.server.url + t.api + "/instances", headers=headers, timeout=30).json()
        listed.append(f"{t.name} {len(listing) if isinstance(listing, list) else '?'}")
        response = httpx.post(t.server.url + t.api + "/instances/launch-instance", json=BAD_LAUNCH_BODY,
                              headers=headers, timeout=30)
        refused.append(f"{t.name} {response.status_code}")
    return (f"before the rounds: instances listed: {', '.join(listed)}; an invalid launch body "
            f"({json.dumps(BAD_LAUNCH_BODY)}) is answered: {', '.join(refused)}")


def start_baseline(tmp: Path, name: str, scenarios: tuple[str, ...], *flags: str) -> Target:
    port, key = free_port(), "bench_" + secrets.token_hex(16)
    slug = name.replace(" (", "-").strip(")")
    server = Server([sys.executable, str(ROOT / "bench" / "baseline_app.py"), "--port", str(port),
                     "--db", str(tmp / f"{slug}.sqlite"), "--api-key", key, *flags],
                    f"http://127.0.0.1:{port}", tmp / f"{slug}.log")
    target = Target(name, server, key, TWIN_API, scenarios)
    server.wait_ready(TWIN_API + "/instances", {"X-API-Key": key})
    return target


def start_targets(names: list[str], tmp: Path, s: Settings, services: str | None, run: Run,
                  install_prism: bool) -> None:
    """Start, seed and size every target; appended to ``run.targets`` at once so a failure still stops them."""
    main: Twin | None = None
    base = BASE_LAUNCHES
    if TWIN in names:
        main = start_twin(tmp, services, name="twin")
        run.targets.append(Target(TWIN, main.server, main.credentials["bluelobster"]["api_key"], TWIN_API,
                                  (LIST, LIST_FRESH, LAUNCH)))
    if BASELINE in names:
        # The baseline answers the generic list too when there is a generic twin to set against it.
        lists = (*LISTS, LIST_FRESH) if TWIN_GENERIC in names else (LIST, LIST_FRESH)
        run.targets.append(start_baseline(tmp, BASELINE, (*lists, LAUNCH)))
    if BOOKING in names:
        run.targets.append(start_baseline(tmp, BOOKING, (LAUNCH,), "--booking"))
    if PRISM in names:
        ok, why = prism_available(install_prism)
        if ok:
            run.targets.append(Target(PRISM, start_prism(tmp), "bench", PRISM_API, (LIST, LAUNCH)))
            run.notes.append("prism: @stoplight/prism-cli " + prism_version() + ", `prism mock` on the Blue Lobster "
                             "seed, static examples (its list is the document's one-instance example), -v warn")
        else:
            run.notes.append(f"prism: skipped ({why})")
    if TWIN_GENERIC in names:
        generic = start_twin(tmp, "", name="twin-generic", specs=[spec_argument(BLUELOBSTER_SEED, GENERIC_SLUG)])
        run.targets.append(Target(TWIN_GENERIC, generic.server, generic.credentials[GENERIC_SLUG]["api_key"],
                                  GENERIC_API, (GENERIC_LIST,)))
        seed_generic(generic, s.seed_instances)
        print(f"{TWIN_GENERIC}: imported {s.seed_instances} instances, listed back", flush=True)
    if TWIN_FULL in names:
        full = start_twin(tmp, "bluelobster", name="twin-full")
        key = full.credentials["bluelobster"]["api_key"]
        run.targets.append(Target(TWIN_FULL, full.server, key, TWIN_API, (FULL,)))
        launched, status = launch_until_full(full.server.url + TWIN_API + "/instances/launch-instance", key)
        if status == 409:
            base = launched
            run.notes.append(f"capacity: the base inventory took {launched} launches of v1_cpu_small in us-east-1, "
                             "then 409; the 409 path is measured on that full twin")
        else:
            run.notes.append(f"capacity: {launched} launches did not fill the base inventory (then: {status}); "
                             "the '409' figure is whatever that twin answers")
    for t in run.targets:
        if t.name in (TWIN, BASELINE):
            seeded = seed_instances(t.server.url + t.api + "/instances/launch-instance", t.api_key, s.seed_instances)
            print(f"{t.name}: seeded {s.seed_instances} instances, statuses {dict(seeded)}", flush=True)
    if main is not None:
        run.notes.append(raise_inventory(main, plan_multiplier(s, base), base))
    run.notes.append(checks_before(run.targets))
    for t in run.targets:
        t.rss_after_start_mb = t.server.rss_mb()


def measure(names: list[str], tmp: Path, s: Settings, services: str | None, install_prism: bool) -> Run:
    """Rounds interleave the targets, so drift in the machine's load hits all alike. Every list round comes
    before any launch, so the lists always return the seeded instances."""
    run = Run(all_seeds=services is None, load_before=load_average())
    runner: Runner = run_wrk if s.tool == "wrk" else run_python
    try:
        start_targets(names, tmp, s, services, run, install_prism)
        rounds: dict[tuple[str, str, int], list[Measurement]] = {}
        for scenario in SCENARIOS:
            if s.warmup > 0:
                warm(run.targets, scenario, runner, Load(s.warmup, s.connections[0], s.threads, s.max_requests))
            for connections in s.connections:
                load = Load(s.duration, connections, s.threads, s.max_requests)
                for _ in range(s.rounds):
                    for t in run.targets:
                        if scenario.name not in t.scenarios:
                            continue
                        m = runner(t.name, scenario, t.server.url + t.api + scenario.path, t.api_key, load)
                        rounds.setdefault((t.name, scenario.name, connections), []).append(m)
                        print(f"  {t.name:<14} {scenario.name:<24} c={connections:<3} {m.rps:>8.0f} req/s", flush=True)
        run.measurements = [median_round(runs) for runs in rounds.values()]
        for t in run.targets:
            t.rss_after_load_mb = t.server.rss_mb()
        twin_launch = [m for m in run.measurements if (m.target, m.scenario) == (TWIN, LAUNCH)]
        if any(m.statuses.get("409") for m in twin_launch):
            run.notes.append("capacity ran out during the twin's launch rounds: some launches were 409 "
                             "(raise --launch-rate-bound if the inventory control was used)")
        return run
    finally:
        for t in run.targets:
            t.server.stop()


def warm(targets: list[Target], scenario: Scenario, runner: Runner, load: Load) -> None:
    """An unmeasured run of ``scenario`` on every target: JITs, caches and connection pools settle first."""
    for t in targets:
        if scenario.name in t.scenarios:
            runner(t.name, scenario, t.server.url + t.api + scenario.path, t.api_key, load)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def report(run: Run, s: Settings) -> str:
    lines = [f"{'target':<14} {'scenario':<24} {'conns':>5} {'tool':<12} {'requests':>8} {'req/s':>8} {'p50 ms':>7}"
             f" {'p99 ms':>7}  statuses", "-" * 114]
    for m in run.measurements:
        mix = ", ".join(f"{k}: {v}" for k, v in m.statuses.items()) + (f", socket errors: {m.socket_errors}"
                                                                       if m.socket_errors else "")
        lines.append(f"{m.target:<14} {m.scenario:<24} {m.connections:>5} {m.tool:<12} {m.requests:>8} "
                     f"{m.rps:>8.0f} {m.p50_ms:>7.2f} {m.p99_ms:>7.2f}  {mix}")
    by = {(m.target, m.scenario, m.connections): m for m in run.measurements}
    lines.append("")
    for scenario, who in SUBJECT.items():
        for c in s.connections:
            t = by.get((who, scenario, c))
            if t is None:
                continue
            parts = []
            if (b := by.get((BASELINE, scenario, c))) is not None:
                parts.append(f"{who}/baseline throughput {_ratio(t.rps, b.rps)}, p50 {_ratio(t.p50_ms, b.p50_ms)}, "
                             f"p99 {_ratio(t.p99_ms, b.p99_ms)}")
            if (p := by.get((PRISM, scenario, c))) is not None:
                parts.append(f"twin/Prism throughput {_ratio(t.rps, p.rps)}")
            if parts:
                lines.append(f"ratio, {scenario}, {c} connections: " + "; ".join(parts))
    for c in s.connections:
        f, b = by.get((TWIN_FULL, FULL, c)), by.get((BASELINE, LAUNCH, c))
        if f is not None and b is not None:
            lines.append(f"ratio, {FULL}, {c} connections: twin 409s / baseline launches {_ratio(f.rps, b.rps)}")
        t, k = by.get((TWIN, LAUNCH, c)), by.get((BOOKING, LAUNCH, c))
        if t is not None and k is not None:
            shares = f"twin/{BOOKING} {_ratio(t.rps, k.rps)}, p99 {_ratio(t.p99_ms, k.p99_ms)}"
            if b is not None:
                shares += f"; {BOOKING}/baseline {_ratio(k.rps, b.rps)}"
            lines.append(f"ratio, {LAUNCH}, {c} connections: {shares}")
    lines.append("")
    lines.append(f"{'resident memory (MiB)':<24} {'after start':>11} {'after load':>11}")
    for target in run.targets:
        lines.append(f"{target.name:<24} {target.rss_after_start_mb:>11.0f} {target.rss_after_load_mb:>11.0f}")
    if run.startup is not None:
        lines += ["", startup_report(run.startup)]
    lines += ["", *run.notes, *check_targets(run, s)]
    lines.append(f"({s.rounds} rounds of {s.duration:g} s per scenario, target and connection level after "
                 f"{s.warmup:g} s unmeasured, the median round reported, statuses summed over the rounds; load from "
                 f"{s.tool}; twin with "
                 f"{'every built-in seed' if run.all_seeds else 'the --services given'}; {run.load_before} before, "
                 f"{load_average()} after)")
    return "\n".join(lines)


def check_targets(run: Run, s: Settings) -> list[str]:
    """Issue 7's figures, each met or not, for what this run measured."""
    by = {(m.target, m.scenario, m.connections): m for m in run.measurements}
    checks: list[tuple[str, bool]] = []
    for scenario, who in SUBJECT.items():
        name, share = LEAST_SHARE[scenario]
        for c in s.connections:
            t, b, p = by.get((who, scenario, c)), by.get((BASELINE, scenario, c)), by.get((PRISM, scenario, c))
            if t and b and b.rps:
                checks.append((f"{scenario} at {c}: {name} >= {share:g}x baseline ({t.rps / b.rps:.2f}x)",
                               t.rps >= share * b.rps))
            if t and p and p.rps:
                checks.append((f"{scenario} at {c}: twin >= 5x Prism ({t.rps / p.rps:.2f}x)", t.rps >= 5 * p.rps))
    for scenario, limit in ((LIST, 10.0), (LIST_FRESH, 10.0), (LAUNCH, 20.0)):
        if (t := by.get((TWIN, scenario, 32))) is not None:
            checks.append((f"{scenario} at 32: twin p99 <= {limit:g} ms ({t.p99_ms:.1f} ms)", t.p99_ms <= limit))
    twin = next((t for t in run.targets if t.name == TWIN), None)
    if twin is not None and run.all_seeds:
        checks.append((f"twin resident memory after the load < 120 MiB ({twin.rss_after_load_mb:.0f} MiB)",
                       twin.rss_after_load_mb < 120))
    if run.startup is not None and run.startup.seconds:
        checks.append((f"all seeds serving < 1.5 s ({run.startup.median_s:.2f} s)", run.startup.median_s < 1.5))
    return [f"target {'met    ' if ok else 'NOT met'}: {text}" for text, ok in checks]


def as_json(run: Run) -> dict[str, object]:
    return {
        "measurements": [asdict(m) | {"rps": m.rps} for m in run.measurements],
        "memory": {t.name: {"after_start_mb": t.rss_after_start_mb, "after_load_mb": t.rss_after_load_mb}
                   for t in run.targets},
        "startup": startup_json(run.startup) if run.startup is not None else None,
        "notes": run.notes,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Blue Lobster load benchmark (loopback only, bounded).")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--baseline", action="store_true", help="measure the hand-written reference app only")
    which.add_argument("--compare", action="store_true",
                       help="twin, baseline and Prism side by side, the 409 path and start-up; ratios and targets")
    parser.add_argument("--quick", action="store_true", help="a one-second smoke run of each scenario")
    parser.add_argument("--no-prism", action="store_true", help="leave Prism out of --compare")
    parser.add_argument("--no-prism-install", action="store_true",
                        help="use Prism only if already installed in bench/prism (never run npm)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per round (default 10)")
    parser.add_argument("--connections", default="16,32", help="comma list of connection levels (default 16,32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap per round (python generator)")
    parser.add_argument("--seed-instances", type=int, default=20, help="instances launched before measuring")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario and target; the median is reported")
    parser.add_argument("--launch-rate-bound", type=float, default=8000.0,
                        help="launches/s the twin's inventory is sized for (default 8000)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="unmeasured seconds per scenario and target before its rounds (default 2)")
    parser.add_argument("--startup-runs", type=int, default=5, help="starts measured by --compare (0: none)")
    parser.add_argument("--services", help="twin's --services (default: every built-in pack)")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "python")
    connections = [int(c) for c in str(args.connections).split(",") if c.strip()]
    s = Settings(args.duration, connections, args.threads, args.max_requests, args.seed_instances, tool,
                 args.rounds, args.launch_rate_bound, args.startup_runs if args.compare else 0, args.warmup)
    if args.quick:
        s = Settings(1.0, [4], 1, 2_000, 3, tool, 1, args.launch_rate_bound, min(1, s.startup_runs), 0.0)
    if args.compare:
        names = [TWIN, BASELINE] + ([] if args.no_prism else [PRISM]) + [TWIN_GENERIC, TWIN_FULL, BOOKING]
    else:
        names = [BASELINE] if args.baseline else [TWIN]
    with tempfile.TemporaryDirectory(prefix="twinstack-bench-") as tmp:
        startup = measure_startup(s.startup_runs, Path(tmp)) if s.startup_runs else None
        run = measure(names, Path(tmp), s, args.services, not args.no_prism_install)
        run.startup = startup
    print(report(run, s))
    if args.json:
        args.json.write_text(json.dumps(as_json(run), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
