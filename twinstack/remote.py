"""The control-plane commands of ``twinstack``: drive a running twin from the command line.

``twinstack health``, ``tenants create|show``, ``outbox``, ``requests``, ``clock advance``, ``reset``,
``state export|import`` and ``faults arm|list|clear`` call ``/_twinstack/`` on ``--url``
(``TWINSTACK_URL``, default ``http://127.0.0.1:4010``), sending ``TWINSTACK_CONTROL_TOKEN`` as a bearer
token when set. Tables by default, ``--json`` for the control plane's own JSON. Exit codes: 0 success,
1 the twin answered an error, 2 bad usage or no twin answering.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:4010"
COMMANDS = ("health", "tenants", "outbox", "requests", "clock", "reset", "state", "faults")
FOLLOW_MIN_S, FOLLOW_MAX_S = 0.2, 30.0
"""Bounds of ``--interval``: polling never spins, and never goes quiet for long."""
SEEN_LIMIT = 5000
"""How many entries ``--follow`` remembers to tell new ones from those already printed."""
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class Failed(Exception):
    """The command ends with this exit code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_duration(text: str) -> float:
    """``90`` (seconds), ``15m``, ``1h``, ``2d``, ``1.5h``."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if found is None:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90, 15m, 1h, 2d)")
    return float(found.group(1)) * _UNITS[found.group(2)]


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from exc
    return min(max(value, FOLLOW_MIN_S), FOLLOW_MAX_S)


def add_parsers(sub: Any) -> None:
    """Register the control-plane commands on ``twinstack``'s subcommand parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=os.environ.get("TWINSTACK_URL") or DEFAULT_URL,
                        help="the running twin [TWINSTACK_URL]")
    common.add_argument("--json", action="store_true", help="print the control plane's JSON")
    follow = argparse.ArgumentParser(add_help=False)
    follow.add_argument("--follow", action="store_true", help="keep printing new entries until interrupted")
    follow.add_argument("--interval", type=_interval, default=1.0,
                        help=f"seconds between polls with --follow ({FOLLOW_MIN_S}-{FOLLOW_MAX_S})")

    sub.add_parser("health", parents=[common], help="services and endpoints of a running twin")
    tenants = sub.add_parser("tenants", help="create or show tenants").add_subparsers(dest="action", required=True)
    create = tenants.add_parser("create", parents=[common], help="a new isolated tenant and its credentials")
    create.add_argument("--name")
    tenants.add_parser("show", parents=[common], help="a tenant and its credentials").add_argument("id")
    outbox = sub.add_parser("outbox", parents=[common, follow], help="what the twins sent, newest first")
    for name in ("channel", "recipient", "service", "tenant", "since"):
        outbox.add_argument(f"--{name}")
    outbox.add_argument("--limit", type=int, default=100)
    journal = sub.add_parser("requests", parents=[common, follow], help="the request journal, newest first")
    journal.add_argument("--limit", type=int, default=200)
    clock = sub.add_parser("clock", help="the twin clock").add_subparsers(dest="action", required=True)
    clock.add_parser("advance", parents=[common], help="run lifecycles as if DURATION passed").add_argument(
        "duration", type=parse_duration, help="90 (seconds), 15m, 1h, 2d")
    sub.add_parser("reset", parents=[common], help="wipe all state, tenants included")
    state = sub.add_parser("state", help="export or import the whole state").add_subparsers(dest="action", required=True)
    state.add_parser("export", parents=[common], help="write the state to FILE ('-' for stdout)").add_argument("file")
    state.add_parser("import", parents=[common], help="replace the state with FILE").add_argument("file")
    faults = sub.add_parser("faults", help="faults and latency on demand").add_subparsers(dest="action", required=True)
    arm = faults.add_parser("arm", parents=[common], help="arm a fault on one operation")
    arm.add_argument("service")
    arm.add_argument("operation", help="operationId, or 'METHOD /path' as the document writes it")
    arm.add_argument("--status", type=int, help="an error status the operation declares")
    arm.add_argument("--latency-ms", help="milliseconds, or MIN-MAX for a uniform draw")
    arm.add_argument("--drop", action="store_true", help="close the connection without an answer")
    arm.add_argument("--count", type=int, help="only the next N calls")
    arm.add_argument("--probability", type=float, help="the share of calls (0-1)")
    arm.add_argument("--tenant", help="only this tenant's calls")
    arm.add_argument("--retry-after", type=int, help="Retry-After seconds of a 429/503")
    faults.add_parser("list", parents=[common], help="armed faults and their hits")
    faults.add_parser("clear", parents=[common], help="clear one fault, or all").add_argument("id", nargs="?")


def run(args: argparse.Namespace) -> int:
    client = Control(args.url)
    try:
        return _COMMANDS[args.command](client, args)
    except Failed as exc:
        print(f"twinstack: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 0
    finally:
        client.close()


class Control:
    """Calls to one twin's control plane, failing as the exit codes say."""

    def __init__(self, url: str) -> None:
        token = os.environ.get("TWINSTACK_CONTROL_TOKEN")
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"} if token else {})

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, "/_twinstack" + path, **kwargs)
        except httpx.HTTPError as exc:
            raise Failed(2, f"no twin answers at {self.url} ({exc})") from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            detail = data.get("message") if isinstance(data, dict) else None
            raise Failed(1, f"{response.status_code}: {detail or response.text[:300]}")
        return data


# -- output --------------------------------------------------------------------------------------

def table(rows: Iterable[dict[str, Any]], columns: list[str], width: int = 60) -> str:
    """Rows as aligned columns; long values are cut to ``width`` characters."""
    cells = [[_cell(row.get(c), width) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def _cell(value: Any, width: int) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _print(args: argparse.Namespace, data: Any, human: Callable[[Any], str]) -> int:
    print(json.dumps(data, indent=2) if args.json else human(data), flush=True)
    return 0


# -- commands ------------------------------------------------------------------------------------

def health(c: Control, args: argparse.Namespace) -> int:
    def human(d: dict[str, Any]) -> str:
        rows = [{"name": k, "state": v} for k, v in d.get("services", {}).items()]
        rows += [{"name": k, "state": v} for k, v in d.get("endpoints", {}).items()]
        return f"twinstack {d.get('version')} at {c.url}: {d.get('status')}\n" + table(rows, ["name", "state"], 100)
    return _print(args, c.call("GET", "/health"), human)


def _tenant(d: dict[str, Any]) -> str:
    rows = [{"service": slug, "credential": k, "value": v}
            for slug, creds in d.get("credentials", {}).items() for k, v in creds.items()]
    return f"tenant {d.get('id')} ({d.get('name')})\n" + table(rows, ["service", "credential", "value"], 200)


def tenants(c: Control, args: argparse.Namespace) -> int:
    if args.action == "create":
        return _print(args, c.call("POST", "/tenants", json={"name": args.name} if args.name else {}), _tenant)
    return _print(args, c.call("GET", f"/tenants/{args.id}"), _tenant)


MESSAGE_COLUMNS = ["created_at", "service", "channel", "sender", "recipient", "subject", "body"]
REQUEST_COLUMNS = ["at", "method", "path", "status", "service", "operation", "duration_ms", "fault"]


def outbox(c: Control, args: argparse.Namespace) -> int:
    params = {k: getattr(args, k) for k in ("channel", "recipient", "service", "tenant", "since") if getattr(args, k)}
    params["limit"] = args.limit

    def fetch() -> list[dict[str, Any]]:
        return list(c.call("GET", "/outbox", params=params).get("messages", []))

    if args.follow:
        return _follow(args, fetch, lambda m: str(m.get("id")), MESSAGE_COLUMNS)
    data = c.call("GET", "/outbox", params=params)
    return _print(args, data, lambda d: table(d.get("messages", []), MESSAGE_COLUMNS))


def requests(c: Control, args: argparse.Namespace) -> int:
    def fetch() -> list[dict[str, Any]]:
        return list(c.call("GET", "/requests", params={"limit": args.limit}).get("requests", []))

    if args.follow:
        return _follow(args, fetch, lambda e: json.dumps(e, sort_keys=True), REQUEST_COLUMNS)
    data = c.call("GET", "/requests", params={"limit": args.limit})
    return _print(args, data, lambda d: table(d.get("requests", []), REQUEST_COLUMNS))


def _follow(args: argparse.Namespace, fetch: Callable[[], list[dict[str, Any]]], key: Callable[[dict[str, Any]], str],
            columns: list[str]) -> int:
    """Print what is there, then what is new at every poll, oldest first, until interrupted."""
    seen: deque[str] = deque(maxlen=SEEN_LIMIT)
    known: set[str] = set()
    header = not args.json
    while True:
        fresh = [e for e in reversed(fetch()) if key(e) not in known]
        for entry in fresh:
            k = key(entry)
            if len(seen) == seen.maxlen:
                known.discard(seen[0])
            seen.append(k)
            known.add(k)
        if fresh:
            if args.json:
                for entry in fresh:
                    print(json.dumps(entry), flush=True)
            else:
                lines = table(fresh, columns).splitlines()
                print("\n".join(lines if header else lines[1:]), flush=True)
                header = False
        time.sleep(args.interval)


def clock(c: Control, args: argparse.Namespace) -> int:
    data = c.call("POST", "/clock/advance", json={"seconds": args.duration})
    return _print(args, data, lambda d: f"twin clock now {d.get('now')}; {d.get('jobs_run')} job(s) ran")


def reset(c: Control, args: argparse.Namespace) -> int:
    return _print(args, c.call("POST", "/reset"), lambda d: "state reset")


def state(c: Control, args: argparse.Namespace) -> int:
    if args.action == "export":
        data = c.call("GET", "/state/export")
        text = json.dumps(data)
        if args.file == "-":
            print(text, flush=True)
            return 0
        try:
            Path(args.file).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise Failed(2, f"cannot write {args.file}: {exc}") from exc
        return _print(args, {"status": "ok", "file": args.file, "bytes": len(text)},
                      lambda d: f"state written to {d['file']} ({d['bytes']} bytes)")
    try:
        raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        snapshot = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise Failed(2, f"cannot read a snapshot from {args.file}: {exc}") from exc
    return _print(args, c.call("POST", "/state/import", json=snapshot), lambda d: f"state imported from {args.file}")


FAULT_COLUMNS = ["id", "service", "operation", "tenant", "status", "latency_ms", "drop", "count", "probability", "hits"]


def faults(c: Control, args: argparse.Namespace) -> int:
    if args.action == "list":
        return _print(args, c.call("GET", "/faults"), lambda d: table(d.get("faults", []), FAULT_COLUMNS))
    if args.action == "clear":
        data = c.call("DELETE", f"/faults/{args.id}" if args.id else "/faults")
        return _print(args, data, lambda d: f"{d.get('cleared')} fault(s) cleared")
    body: dict[str, Any] = {"service": args.service, "operation": args.operation}
    if args.latency_ms is not None:
        low, sep, high = args.latency_ms.partition("-")
        try:
            body["latency_ms"] = {"min": float(low), "max": float(high)} if sep else float(low)
        except ValueError as exc:
            raise Failed(2, f"--latency-ms: expected milliseconds or MIN-MAX, got {args.latency_ms!r}") from exc
    for name in ("status", "count", "probability", "tenant", "retry_after"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    if args.drop:
        body["drop"] = True
    return _print(args, c.call("POST", "/faults", json=body), lambda d: table([d], FAULT_COLUMNS))


_COMMANDS: dict[str, Callable[[Control, argparse.Namespace], int]] = {
    "health": health, "tenants": tenants, "outbox": outbox, "requests": requests, "clock": clock, "reset": reset,
    "state": state, "faults": faults,
}
