"""A VPS's power states on the twin clock, and how a stored VPS is shown.

A VPS stores the run of states it was sent through and when the run began
(``_lc = {"phases": [[state, seconds], ..., [final, None]], "since": t}``,
seconds at ``--speed realistic``); its state now is found by walking that run
with the clock, and written back when it has moved on. The runs are the
brief's: provisioning 90 s -> running; stop: stopping 15 s -> stopped; start:
starting 45 s -> running; reboot (75 s): stopping 15 s -> starting 60 s ->
running (there is no ``rebooting`` state). An action in a state that does not
allow it answers ``success: false`` (the document declares only 200 and 404).

While running, a VPS has an uptime since it last booted, usage percentages
that are a function of the VPS and the minute, network counters that grow
with the uptime, and a disk that fills a little with every hour it runs: a
snapshot or backup captures the disk (``_disk``: a generation and its usage),
and rollback and restore put a captured one back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from twinstack.engine.state import Collection
from twinstack.packs.wayscloud.vps_catalogue import PLANS, TEMPLATES

COLLECTION = "vps"
"""A tenant's VPS, keyed by id."""
PROVISION = (("provisioning", 90.0), ("running", None))
START = (("starting", 45.0), ("running", None))
STOP = (("stopping", 15.0), ("stopped", None))
REBOOT = (("stopping", 15.0), ("starting", 60.0), ("running", None))
_DISK_GROWTH_PER_HOUR = 0.05
_DISK_MAX = 95.0

Phases = tuple[tuple[str, float | None], ...]


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    allowed_from: tuple[str, ...]
    run: Phases
    message: str


ACTIONS: dict[str, Action] = {
    "start": Action("start", ("stopped",), START, "VPS is starting"),
    "stop": Action("stop", ("running",), STOP, "VPS is stopping"),
    "reboot": Action("reboot", ("running",), REBOOT, "VPS is rebooting"),
}
STATES_BEFORE: dict[str, tuple[str, ...]] = {
    "running": ("running", "provisioning", "starting", "stopping"),
    "stopped": ("stopped", "stopping"),
    "starting": ("starting", "stopping"),
    "stopping": ("stopping",),
    "provisioning": ("provisioning",),
}
"""The stored states a VPS showing a state now may still have (for the list's ``status`` filter)."""


def begin(vps: dict[str, Any], run: Phases, now: float) -> None:
    vps["_lc"] = {"phases": [list(p) for p in run], "since": now}
    vps["status"] = run[0][0]


def advance(record: dict[str, Any], now: float, factor: float) -> list[tuple[str, str, float]]:
    """Walk ``record``'s run of states to ``now``; the transitions taken (from, to, at)."""
    lc = record.get("_lc") or {}
    phases: list[list[Any]] = list(lc.get("phases") or [])
    since = float(lc.get("since", now))
    taken: list[tuple[str, str, float]] = []
    while len(phases) > 1 and phases[0][1] is not None and since + float(phases[0][1]) * factor <= now:
        since += float(phases[0][1]) * factor
        taken.append((str(phases.pop(0)[0]), str(phases[0][0]), since))
    if taken:
        record["_lc"] = {"phases": phases, "since": since}
        record["status"] = phases[0][0]
    return taken


def settle(vps: dict[str, Any], now: float, factor: float) -> bool:
    """Bring ``vps`` to its state at ``now``; whether it changed (and should be written back)."""
    taken = advance(vps, now, factor)
    for left, state, at in taken:
        _entered(vps, left, state, at)
    return bool(taken)


def _entered(vps: dict[str, Any], left: str, state: str, at: float) -> None:
    if state == "running":
        vps["_booted_at"] = at
    elif left == "running":
        disk = vps.setdefault("_disk", {"generation": 1, "usage": 10.0})
        booted = vps.get("_booted_at")
        disk["usage"] = _grown(float(disk["usage"]), 0.0 if booted is None else at - float(booted))
        vps["_booted_at"] = None


def load(vpses: Collection, vps_id: str, now: float, factor: float) -> dict[str, Any] | None:
    """The VPS as it is at ``now`` (written back if its state has moved on), or None."""
    vps = vpses.get(vps_id)
    if vps is not None and settle(vps, now, factor):
        vpses.put(vps_id, vps)
    return vps


def uptime(vps: dict[str, Any], now: float) -> float:
    booted = vps.get("_booted_at")
    return max(0.0, now - float(booted)) if vps.get("status") == "running" and booted is not None else 0.0


def disk_usage(vps: dict[str, Any], now: float) -> float:
    disk = vps.get("_disk") or {"usage": 10.0}
    return _grown(float(disk["usage"]), uptime(vps, now))


def _grown(usage: float, seconds_up: float) -> float:
    return round(min(_DISK_MAX, usage + max(0.0, seconds_up) / 3600 * _DISK_GROWTH_PER_HOUR), 2)


def capture(vps: dict[str, Any], now: float) -> dict[str, Any]:
    """The disk as a snapshot or backup keeps it."""
    disk = vps.get("_disk") or {"generation": 1}
    return {"generation": int(disk.get("generation", 1)), "usage": disk_usage(vps, now)}


def replace_disk(vps: dict[str, Any], captured: dict[str, Any]) -> None:
    """Put a captured disk back (the VPS is stopped): a new generation with the captured contents."""
    current = int((vps.get("_disk") or {}).get("generation", 1))
    vps["_disk"] = {"generation": current + 1, "usage": float(captured.get("usage", 10.0)),
                    "from_generation": int(captured.get("generation", 1))}


def power_state(status: str) -> str:
    return {"running": "running", "stopped": "stopped"}.get(status, "transitioning")


def view(vps: dict[str, Any]) -> dict[str, Any]:
    """``VPSInstance`` and the fields the CLI reads beside it (``power_state``, ``disk_format``, ...)."""
    template = TEMPLATES[vps["os_template"]]
    shown = {k: v for k, v in vps.items() if not k.startswith("_") and v is not None}
    shown.update(power_state=power_state(vps["status"]), disk_format=template.disk_format,
                 snapshot_supported=not template.is_windows, ip_address=vps["ipv4_address"])
    return shown


def status_view(vps: dict[str, Any], now: float) -> dict[str, Any]:
    """``VPSStatus`` and the CLI's names for the same figures."""
    plan = PLANS[vps["plan_code"]]
    up = uptime(vps, now)
    running = vps["status"] == "running"
    minute = int(now // 60)
    cpu = _percent(vps["id"], "cpu", minute, 2.0, 35.0) if running else 0.0
    memory = _percent(vps["id"], "mem", minute, 20.0, 70.0) if running else 0.0
    disk = disk_usage(vps, now)
    total_mb = plan.ram_gb * 1024
    return {
        "status": vps["status"], "uptime_seconds": int(up), "cpu_usage_percent": cpu,
        "memory_usage_percent": memory, "disk_usage_percent": disk,
        "network_in_bytes": int(up * 6000), "network_out_bytes": int(up * 2000),
        "power_state": power_state(vps["status"]), "cpu_usage": cpu,
        "memory_used_mb": int(total_mb * memory / 100), "memory_total_mb": total_mb,
        "disk_used_gb": round(plan.storage_gb * disk / 100, 2), "disk_total_gb": plan.storage_gb,
    }


def _percent(vps_id: str, what: str, minute: int, low: float, high: float) -> float:
    digest = hashlib.sha256(f"{vps_id}:{what}:{minute}".encode()).digest()
    return round(low + (high - low) * int.from_bytes(digest[:4], "big") / 0xFFFFFFFF, 1)
