"""Core (Public): the API index, health and capabilities, open to everyone.

``uptime_s`` counts real seconds since this server process loaded the pack;
``time`` is the twin clock's now. ``/server/stats`` is measured, not made up:
CPU and RAM of the host and network throughput since the previous call
(psutil), no GPU (zeros), and the rate and 95th-percentile latency of this
service's requests in the window, from the twin's own request journal (its
newest ``JOURNAL_READ`` entries; requests of the last second or so may not be
flushed to it yet).
"""

from __future__ import annotations

import math
import time
from typing import Any

import psutil
from urllib.parse import urlparse

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent.records import iso

NAME = "G4FAgent Dev Platform API"
VERSION = "1.0.0"
BUILD = "dev"
_STARTED = time.monotonic()
JOURNAL_READ = 10_000
DEFAULT_WINDOW = 60
MAX_WINDOW = 3600
psutil.cpu_percent(interval=None)  # the first reading only starts psutil's measuring interval
_net = psutil.net_io_counters()
_last_net: list[tuple[float, int, int]] = [(time.monotonic(), _net.bytes_recv, _net.bytes_sent)]
CAPABILITIES: dict[str, Any] = {
    "features": {
        "ws_streaming": False, "sse_streaming": True, "diffs": True, "file_editor": True,
        "workflows": True, "deployments": True, "telemetry": True, "multi_provider": True,
    },
    "limits": {
        "max_projects": 1000, "max_sessions_per_project": 10000, "max_file_size_bytes": 2 * 1024 * 1024,
        "max_upload_size_bytes": 200 * 1024 * 1024, "max_context_tokens": 200000,
    },
}


async def get_root(ctx: RequestContext) -> dict[str, Any]:
    endpoints = [{"method": op.method, "path": op.path} for op in ctx.twin.spec.operations]
    return {"ok": True, "name": NAME, "version": VERSION, "base_path": urlparse(ctx.base_url).path, "endpoints": endpoints}


async def get_health(ctx: RequestContext) -> dict[str, Any]:
    return {"ok": True, "version": VERSION, "build": BUILD, "uptime_s": int(time.monotonic() - _STARTED),
            "time": iso(ctx.now)}


def _network() -> tuple[float, float]:
    """Bytes per second received and sent since the previous call (since start for the first)."""
    now, counters = time.monotonic(), psutil.net_io_counters()
    then, rx, tx = _last_net[0]
    _last_net[0] = (now, counters.bytes_recv, counters.bytes_sent)
    elapsed = max(now - then, 1e-3)
    return max(counters.bytes_recv - rx, 0) / elapsed, max(counters.bytes_sent - tx, 0) / elapsed


def _requests(ctx: RequestContext, window: int) -> tuple[float, float]:
    since = time.time() - window
    durations = sorted(float(e.get("duration_ms") or 0) for e in ctx.store.list_journal(JOURNAL_READ)
                       if e.get("service") == ctx.slug and float(e.get("at") or 0) >= since)
    if not durations:
        return 0.0, 0.0
    p95 = durations[max(math.ceil(0.95 * len(durations)) - 1, 0)]
    return round(len(durations) / window, 3), round(p95, 3)


async def get_server_stats(ctx: RequestContext) -> dict[str, Any]:
    window = ctx.query.get("window_s")
    window = min(max(window, 1), MAX_WINDOW) if isinstance(window, int) else DEFAULT_WINDOW
    memory = psutil.virtual_memory()
    rx, tx = _network()
    rps, p95 = _requests(ctx, window)
    return {
        "cpu": {"pct": float(psutil.cpu_percent(interval=None))},
        "ram": {"used_bytes": int(memory.used), "total_bytes": int(memory.total)},
        "gpu": {"pct": 0.0, "vram_used_bytes": 0, "vram_total_bytes": 0},
        "network": {"rx_bps": round(rx, 1), "tx_bps": round(tx, 1)},
        "requests": {"rps": rps, "p95_ms": p95},
        "window_s": window,
    }


async def get_capabilities(ctx: RequestContext) -> dict[str, Any]:
    return CAPABILITIES


HANDLERS: dict[str, Handler] = {
    "get_root": get_root, "get_health": get_health, "get_capabilities": get_capabilities,
    "get_server_stats": get_server_stats,
}
