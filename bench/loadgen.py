"""Load generators for ``bench/load.py``: ``wrk`` with a status-counting script, or an asyncio/httpx fallback.

Both send one fixed request over ``connections`` keep-alive connections for a
bounded time and return a ``Measurement``: requests, duration, p50/p99 latency
and the status mix. The Python generator shares the server's CPUs and
undercounts on a small machine, so every measurement names its tool.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

LUA = Path(__file__).with_name("wrk_report.lua")


@dataclass(slots=True)
class Scenario:
    """One fixed request: ``path`` is below a target's API root."""

    name: str
    method: str
    path: str
    body: dict[str, object] | None = None
    fresh: bool = False
    """Every request carries a query of its own (``?fresh=<thread>-<n>``, a parameter no operation declares),
    so that no answer can be reused: the cost of making each one."""


@dataclass(slots=True)
class Measurement:
    target: str
    scenario: str
    connections: int
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
class Load:
    duration: float
    connections: int
    threads: int
    max_requests: int


def run_wrk(target: str, scenario: Scenario, url: str, api_key: str, load: Load) -> Measurement:
    env = {**os.environ, "BENCH_METHOD": scenario.method, "BENCH_API_KEY": api_key,
           "BENCH_BODY": json.dumps(scenario.body) if scenario.body else "", "BENCH_FRESH": "1" if scenario.fresh else ""}
    threads = max(1, min(load.threads, load.connections))
    command = ["wrk", f"-t{threads}", f"-c{load.connections}", f"-d{max(1, round(load.duration))}s",
               "--timeout", "10s", "-s", str(LUA), url]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=load.duration + 60, check=True)
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("BENCH_RESULT "))
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    return Measurement(target, scenario.name, load.connections, "wrk", data["requests"], data["duration_us"] / 1e6,
                       data["p50_us"] / 1000, data["p99_us"] / 1000, dict(sorted(data["statuses"].items())),
                       data["socket_errors"])


async def _python_load(scenario: Scenario, url: str, api_key: str,
                       load: Load) -> tuple[list[float], Counter[str], int, float]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors = 0
    deadline = time.monotonic() + load.duration
    limits = httpx.Limits(max_connections=load.connections, max_keepalive_connections=load.connections)
    async with httpx.AsyncClient(headers={"X-API-Key": api_key}, limits=limits, timeout=10) as client:

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline and len(latencies) + errors < load.max_requests:
                started = time.perf_counter()
                params = {"fresh": str(len(latencies) + errors)} if scenario.fresh else None
                try:
                    response = await client.request(scenario.method, url, json=scenario.body, params=params)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[str(response.status_code)] += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(load.connections)))
        return latencies, statuses, errors, time.monotonic() - started


def run_python(target: str, scenario: Scenario, url: str, api_key: str, load: Load) -> Measurement:
    latencies, statuses, errors, seconds = asyncio.run(_python_load(scenario, url, api_key, load))
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return Measurement(target, scenario.name, load.connections, "python-httpx", len(latencies), seconds, pct(50),
                       pct(99), dict(sorted(statuses.items())), errors)


def median_round(runs: list[Measurement]) -> Measurement:
    """The round with the median throughput, its status mix and socket errors summed over all rounds."""
    chosen = sorted(runs, key=lambda m: m.rps)[len(runs) // 2]
    statuses: Counter[str] = Counter()
    for m in runs:
        statuses.update(m.statuses)
    return Measurement(chosen.target, chosen.scenario, chosen.connections, chosen.tool, chosen.requests,
                       chosen.seconds, chosen.p50_ms, chosen.p99_ms, dict(sorted(statuses.items())),
                       sum(m.socket_errors for m in runs))
