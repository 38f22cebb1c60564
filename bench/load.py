"""Load benchmark: Blue Lobster's list and launch on ``twinstack serve`` versus a hand-written baseline.

Starts the server under test on a free loopback port with a fresh data dir,
creates a tenant (or, for the baseline, hands it a key), launches a few
instances so the list has something to return, then measures two scenarios:

- ``GET  /bluelobster/api/v1/instances``
- ``POST /bluelobster/api/v1/instances/launch-instance`` (a body valid per the seed)

For each it reports requests/s, p50/p99 latency and the status mix (the
launch answers 200 until the twin's host capacity runs out, then 4xx from its
business rules: both are real outcomes and both are counted). The load comes
from ``wrk`` when it is installed, else from an asyncio/httpx generator, which
on a small machine competes with the server for CPU and undercounts; the
report names the tool. Every run is bounded in time and requests and stops by
itself; nothing leaves loopback.

    python bench/load.py              # the twin
    python bench/load.py --baseline   # the hand-written reference (bench/baseline_app.py)
    python bench/load.py --compare    # both, with twin/baseline ratios
    python bench/load.py --quick      # a one-second smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_name("wrk_report.lua")
LIST_PATH = "/bluelobster/api/v1/instances"
LAUNCH_PATH = "/bluelobster/api/v1/instances/launch-instance"
LAUNCH_BODY: dict[str, object] = {
    "region": "us-east-1",
    "instance_type": "v1_cpu_small",
    "username": "ubuntu",
    "ssh_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZ1cmV0ZXN0a2V5 user@host",
}


@dataclass(slots=True)
class Scenario:
    name: str
    method: str
    path: str
    body: dict[str, object] | None = None


SCENARIOS = (
    Scenario("list instances", "GET", LIST_PATH),
    Scenario("launch instance", "POST", LAUNCH_PATH, LAUNCH_BODY),
)


@dataclass(slots=True)
class Measurement:
    target: str
    scenario: str
    tool: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass(slots=True)
class Settings:
    duration: float
    connections: int
    threads: int
    max_requests: int
    seed_instances: int
    tool: str
    rounds: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server process on loopback, stopped (process group) on exit whatever happens."""

    def __init__(self, command: list[str], url: str, log: Path) -> None:
        self.url = url
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                         start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def wait_ready(self, probe: str, headers: dict[str, str] | None = None) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(self.url + probe, headers=headers, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after 60 s; log: {self.log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_twin(workdir: Path) -> tuple[Server, str]:
    port = free_port()
    # Only Blue Lobster is mounted: it is all the scenarios use, and it keeps the run off the DNS/MQTT ports.
    server = Server([sys.executable, "-m", "twinstack", "serve", "--speed", "instant", "--port", str(port),
                     "--data-dir", str(workdir / "state"), "--dns-port", "0", "--services", "bluelobster"],
                    f"http://127.0.0.1:{port}", workdir / "twin.log")
    server.wait_ready("/_twinstack/health")
    response = httpx.post(server.url + "/_twinstack/tenants", json={"name": "bench"}, timeout=30)
    response.raise_for_status()
    return server, str(response.json()["credentials"]["bluelobster"]["api_key"])


def start_baseline(workdir: Path) -> tuple[Server, str]:
    port, key = free_port(), "bench_" + secrets.token_hex(16)
    server = Server([sys.executable, str(ROOT / "bench" / "baseline_app.py"), "--port", str(port),
                     "--db", str(workdir / "baseline.sqlite"), "--api-key", key],
                    f"http://127.0.0.1:{port}", workdir / "baseline.log")
    server.wait_ready(LIST_PATH, {"X-API-Key": key})
    return server, key


def seed_instances(url: str, key: str, count: int) -> Counter[int]:
    """Launch ``count`` instances so the list scenario returns a realistic page."""
    statuses: Counter[int] = Counter()
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30) as client:
        for _ in range(count):
            statuses[client.post(LAUNCH_PATH, json=LAUNCH_BODY).status_code] += 1
    return statuses


def run_wrk(target: str, url: str, key: str, scenario: Scenario, s: Settings) -> Measurement:
    env = {**os.environ, "BENCH_METHOD": scenario.method, "BENCH_API_KEY": key,
           "BENCH_BODY": json.dumps(scenario.body) if scenario.body else ""}
    command = ["wrk", f"-t{s.threads}", f"-c{s.connections}", f"-d{max(1, round(s.duration))}s", "--timeout", "10s",
               "-s", str(LUA), url + scenario.path]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=s.duration + 60, check=True)
    output = run.stdout
    line = next(ln for ln in output.splitlines() if ln.startswith("BENCH_RESULT "))
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    return Measurement(target, scenario.name, "wrk", data["requests"], data["duration_us"] / 1e6,
                       data["p50_us"] / 1000, data["p99_us"] / 1000,
                       dict(sorted(data["statuses"].items())), data["socket_errors"])


async def _python_load(url: str, key: str, scenario: Scenario,
                       s: Settings) -> tuple[list[float], Counter[str], int, float]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors = 0
    deadline = time.monotonic() + s.duration
    limits = httpx.Limits(max_connections=s.connections, max_keepalive_connections=s.connections)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, limits=limits, timeout=10) as client:

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline and len(latencies) + errors < s.max_requests:
                started = time.perf_counter()
                try:
                    response = await client.request(scenario.method, scenario.path, json=scenario.body)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[str(response.status_code)] += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(s.connections)))
        return latencies, statuses, errors, time.monotonic() - started


def run_python(target: str, url: str, key: str, scenario: Scenario, s: Settings) -> Measurement:
    latencies, statuses, errors, seconds = asyncio.run(_python_load(url, key, scenario, s))
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return Measurement(target, scenario.name, "python-httpx", len(latencies), seconds, pct(50), pct(99),
                       dict(sorted(statuses.items())), errors)


def measure(targets: list[str], tmp: Path, s: Settings) -> list[Measurement]:
    """Every target's server up at once; rounds interleave the targets so drift in the machine's load hits
    both alike. All list rounds come before any launch, so the list always returns the seeded instances."""
    servers: dict[str, tuple[Server, str]] = {}
    runner = run_wrk if s.tool == "wrk" else run_python
    try:
        for target in targets:
            workdir = tmp / target
            workdir.mkdir()
            server, key = servers[target] = (start_baseline if target == "baseline" else start_twin)(workdir)
            seeded = seed_instances(server.url, key, s.seed_instances)
            print(f"{target}: seeded {s.seed_instances} instances, statuses {dict(seeded)}", flush=True)
        rounds: dict[tuple[str, str], list[Measurement]] = {}
        for scenario in SCENARIOS:
            for _ in range(s.rounds):
                for target, (server, key) in servers.items():
                    m = runner(target, server.url, key, scenario, s)
                    rounds.setdefault((target, scenario.name), []).append(m)
                    print(f"  {target:<9} {scenario.name:<16} {m.rps:>8.0f} req/s", flush=True)
        return [_median(runs) for runs in rounds.values()]
    finally:
        for server, _key in servers.values():
            server.stop()


def _median(runs: list[Measurement]) -> Measurement:
    """The round with the median throughput, its status mix summed over all rounds."""
    chosen = sorted(runs, key=lambda m: m.rps)[len(runs) // 2]
    statuses: Counter[str] = Counter()
    for m in runs:
        statuses.update(m.statuses)
    return Measurement(chosen.target, chosen.scenario, chosen.tool, chosen.requests, chosen.seconds, chosen.p50_ms,
                       chosen.p99_ms, dict(sorted(statuses.items())), sum(m.socket_errors for m in runs))


def report(results: list[Measurement], s: Settings) -> str:
    lines = [f"{'target':<9} {'scenario':<16} {'tool':<13} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
             "  statuses", "-" * 92]
    for m in results:
        mix = ", ".join(f"{k}: {v}" for k, v in m.statuses.items()) + (f", socket errors: {m.socket_errors}"
                                                                       if m.socket_errors else "")
        lines.append(f"{m.target:<9} {m.scenario:<16} {m.tool:<13} {m.requests:>8} {m.rps:>8.0f} {m.p50_ms:>7.1f}"
                     f" {m.p99_ms:>7.1f}  {mix}")
    twin = {m.scenario: m for m in results if m.target == "twin"}
    base = {m.scenario: m for m in results if m.target == "baseline"}
    for name in [sc.name for sc in SCENARIOS if sc.name in twin and sc.name in base]:
        t, b = twin[name], base[name]
        lines.append(f"ratio twin/baseline, {name}: throughput {t.rps / b.rps:.2f}x, "
                     f"p50 {t.p50_ms / b.p50_ms:.2f}x, p99 {t.p99_ms / b.p99_ms:.2f}x" if b.rps and b.p50_ms and
                     b.p99_ms else f"ratio for {name}: not computable")
    lines.append(f"({s.connections} connections, {s.duration:g} s per round, median of {s.rounds} rounds;"
                 f" statuses summed over the rounds; {os.cpu_count()} CPUs)")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Blue Lobster load benchmark (loopback only, bounded).")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--baseline", action="store_true", help="measure the hand-written reference app only")
    which.add_argument("--compare", action="store_true", help="measure the twin and the reference, print ratios")
    parser.add_argument("--quick", action="store_true", help="a one-second smoke run of each scenario")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap per scenario (python generator)")
    parser.add_argument("--seed-instances", type=int, default=20, help="instances launched before measuring")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario and target; the median is reported")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "python")
    s = Settings(args.duration, args.connections, args.threads, args.max_requests, args.seed_instances, tool,
                 args.rounds)
    if args.quick:
        s = Settings(1.0, 4, 1, 2_000, 3, tool, 1)
    targets = ["twin", "baseline"] if args.compare else ["baseline"] if args.baseline else ["twin"]
    with tempfile.TemporaryDirectory(prefix="twinstack-bench-") as tmp:
        results = measure(targets, Path(tmp), s)
    print(report(results, s))
    if args.json:
        args.json.write_text(json.dumps([asdict(m) | {"rps": m.rps} for m in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
