"""Telemetry: the host's real CPU and RAM, sampled into storage, queried by time range, and alerts on them.

Every project has two streams, ``telem_<project id>_cpu`` (``system.cpu``, band
``pct``) and ``telem_<project id>_ram`` (``system.ram``, ``used_bytes``); both
read the machine the twin runs on, measured with psutil.

Samples ``{ts, cpu_pct, ram_used_bytes}`` are cloud-wide rows numbered
``0, 1, 2...`` by a store counter, one every ``INTERVAL_S`` wall seconds, taken
by a durable job (``g4fagent.telemetry_sample``, started by the first telemetry
request) and by any request that finds the newest sample stale. Since they
are numbered in time order, a range is found by binary search on the number
(a handful of reads by id) and downsampled by picking evenly spaced numbers
(one read of at most ``limit`` ids): no scan. Before the first sample a query
gets deterministic synthetic points (a slow sine, as upstream's shape), at most
300, as upstream returns. Anomalies are the points beyond mean ± 3σ.

An alert ``{name, stream_id, condition: {op, value, for_s?}, actions}`` is
checked on every new sample: when its stream's value has met the condition
for ``for_s`` seconds it fires once (a ``warn`` notification "Alert fired:
<name>") and re-arms when the condition stops holding.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import psutil

from twinstack.engine.state import SHARED_TENANT, Collection
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import notifications
from twinstack.packs.g4fagent.records import iso
from twinstack.store import Job

SAMPLES = "/telemetry_samples"
ALERTS = "/telemetry_alerts"
INDEXES: dict[str, tuple[str, ...]] = {ALERTS: ("_armed_key",)}
COUNTER = ("g4fagent.telemetry", "samples")
SAMPLE_JOB = "g4fagent.telemetry_sample"
SAMPLER_ID = "g4fagent-telemetry-sampler"
INTERVAL_S = 5.0
"""Wall seconds between samples, whatever ``--speed`` (an instant twin must not sample in a tight loop)."""
SYNTHETIC_POINTS = 300
MAX_ALERTS_CHECKED = 1000
OPS = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}
KINDS = {"cpu": ("CPU", "system.cpu", "pct", "cpu_pct"), "ram": ("RAM", "system.ram", "used_bytes", "ram_used_bytes")}


def streams(project_id: str) -> list[dict[str, Any]]:
    return [{"id": f"telem_{project_id}_{kind}", "label": label, "type": kind_type, "bands": [band], "status": "online"}
            for kind, (label, kind_type, band, _field) in KINDS.items()]


def parse_stream(stream_id: str) -> tuple[str, str] | None:
    """``(project id, "cpu" | "ram")`` of a stream id."""
    if not stream_id.startswith("telem_"):
        return None
    project_id, _, kind = stream_id.removeprefix("telem_").rpartition("_")
    return (project_id, kind) if project_id and kind in KINDS else None


def _samples(twin: Twin) -> Collection:
    return twin.collection(SHARED_TENANT, SAMPLES)


def _sample_id(number: int) -> str:
    return f"{number:012d}"


def _count(twin: Twin) -> int:
    return int(twin.store.counters(*COUNTER).get("n", 0))


def _sample_at(twin: Twin, number: int) -> dict[str, Any] | None:
    return _samples(twin).get(_sample_id(number))


def take_sample(twin: Twin) -> dict[str, Any]:
    """Measure the host now and store the sample (then check the alerts on it)."""
    memory = psutil.virtual_memory()
    sample = {"ts": twin.clock.now(), "cpu_pct": float(psutil.cpu_percent(interval=None)),
              "ram_used_bytes": float(memory.total - memory.available), "ram_total_bytes": float(memory.total)}
    with twin.store.transaction():
        counted = twin.store.adjust(*COUNTER, {"n": 1})
        number = int((counted or {"n": 1})["n"]) - 1
        _samples(twin).put(_sample_id(number), sample)
    check_alerts(twin, sample)
    return sample


def ensure_sampling(twin: Twin) -> None:
    """Take a sample if the newest is stale, and keep the sampling job scheduled."""
    count = _count(twin)
    newest = _sample_at(twin, count - 1) if count else None
    if newest is None or twin.clock.now() - float(newest["ts"]) >= INTERVAL_S:
        take_sample(twin)
    due = twin.store.kv_get(*COUNTER)
    if not isinstance(due, (int, float)) or due < twin.clock.now() - 4 * INTERVAL_S:
        _schedule(twin)


def _schedule(twin: Twin) -> None:
    twin.store.kv_put(*COUNTER, twin.clock.now() + INTERVAL_S)
    twin.scheduler.schedule(SAMPLE_JOB, INTERVAL_S, service=twin.slug, tenant=SHARED_TENANT, job_id=SAMPLER_ID)


async def sample_job(twin: Twin, job: Job) -> None:
    take_sample(twin)
    _schedule(twin)


def _first_at_or_after(twin: Twin, moment: float, count: int) -> int:
    """The number of the first sample taken at or after ``moment`` (``count`` when none is)."""
    low, high = 0, count
    while low < high:
        middle = (low + high) // 2
        sample = _sample_at(twin, middle)
        if sample is not None and float(sample["ts"]) < moment:
            low = middle + 1
        else:
            high = middle
    return low


def synthetic(kind: str, moment: float) -> float:
    """The deterministic stand-in for a time before the first sample."""
    wave = math.sin(moment / 300.0) * 10 + math.sin(moment / 37.0) * 3
    if kind == "cpu":
        return round(50 + wave, 2)
    return float(round((0.5 + wave / 100) * 8 * 1024 ** 3))


def query(twin: Twin, kind: str, start: float, end: float, limit: int) -> list[dict[str, Any]]:
    """At most ``limit`` points of stream ``kind`` in ``[start, end]``, oldest first."""
    field = KINDS[kind][3]
    count = _count(twin)
    first = _sample_at(twin, 0) if count else None
    real_from = float(first["ts"]) if first is not None else math.inf
    low = _first_at_or_after(twin, start, count) if first is not None else 0
    high = _first_at_or_after(twin, math.nextafter(end, math.inf), count) if first is not None else 0
    total = max(high - low, 0)
    before = start < real_from
    # A range that starts before the first sample shares the points: the measured part keeps at least half.
    real_take = min(total, max(limit - SYNTHETIC_POINTS, limit // 2) if before else limit)
    points: list[dict[str, Any]] = []
    if before:
        stop = min(end, real_from)
        n = min(limit - real_take, SYNTHETIC_POINTS)
        step = (stop - start) / n if n else 0.0
        points = [{"ts": iso(start + i * step), "value": synthetic(kind, start + i * step)} for i in range(n)]
    if real_take > 0:
        picks = range(low, high) if total <= real_take else sorted({low + (i * total) // real_take for i in range(real_take)})
        found = _samples(twin).get_many([_sample_id(n) for n in picks])
        points += [{"ts": iso(float(s["ts"])), "value": s[field]} for _, s in sorted(found.items())]
    return points[:limit]


def anomalies(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    values = [float(p["value"]) for p in series]
    if len(values) < 3:
        return []
    mean, spread = statistics.fmean(values), statistics.pstdev(values)
    if spread == 0:
        return []
    out = []
    for point, value in zip(series, values):
        z = (value - mean) / spread
        if abs(z) > 3:
            out.append({"type": "spike_detect", "confidence": round(min(0.99, abs(z) / 6), 2),
                        "coords": {"ts": point["ts"], "value": value, "z": round(z, 2)}, "ts": point["ts"]})
    return out


def alerts(twin: Twin) -> Collection:
    return twin.collection(SHARED_TENANT, ALERTS)


def check_alerts(twin: Twin, sample: dict[str, Any]) -> None:
    state = alerts(twin)
    for alert in state.find({"_armed_key": "armed"}, limit=MAX_ALERTS_CHECKED).items + \
            state.find({"_armed_key": "fired"}, limit=MAX_ALERTS_CHECKED).items:
        _check(twin, state, alert, sample)


def _check(twin: Twin, state: Collection, alert: dict[str, Any], sample: dict[str, Any]) -> None:
    condition = alert["condition"]
    kind = alert["_kind"]
    value = float(sample[KINDS[kind][3]])
    holds = OPS[condition["op"]](value, float(condition["value"]))
    moment = float(sample["ts"])
    if not holds:
        if alert.get("_since") is not None or alert["_armed_key"] == "fired":
            state.put(alert["id"], {**alert, "_since": None, "_armed_key": "armed"})
        return
    since = float(alert["_since"]) if alert.get("_since") is not None else moment
    fires = alert["_armed_key"] == "armed" and moment - since >= float(condition.get("for_s") or 0)
    state.put(alert["id"], {**alert, "_since": since, "_armed_key": "fired" if fires else alert["_armed_key"],
                            "last_fired_at": iso(moment) if fires else alert.get("last_fired_at")})
    if fires:
        notifications.notify(twin, str(alert["_tenant"]), "warn", f"Alert fired: {alert['name']}",
                             f"{alert['stream_id']} is {value:g} ({condition['op']} {condition['value']:g} "
                             f"for {float(condition.get('for_s') or 0):g} s).", alert_id=str(alert["id"]))
