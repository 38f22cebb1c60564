"""ODIN voice state of a project: its settings (peer limit), its access keys, and its room presence.

Access keys are stored by their public parts only (``pubKey``, ``keyId``): the
key itself is shown once at creation, as ODIN does. ``accessKeysCount`` is the
collection's stored count, never a guess.

Presence is what the twin's own rooms saw: ``note_presence`` records, per
five-minute bucket, how many peers and rooms were present at the bucket's
start, the peak, and the peer-seconds and room-seconds spent, so analytics are
exact time-weighted figures read from at most one record per bucket. A bucket
in which nothing changed holds no record: its count is the one in effect at
the start of the next recorded bucket (or the current one).
"""

from __future__ import annotations

import math
from typing import Any

from twinstack.engine.state import Collection
from twinstack.engine.twin import Twin

SETTINGS = "voice/settings"
"""One record per project (by project id): ``peerLimit`` and the voice product's activation."""
ACCESS_KEYS = "voice/access-keys"
"""A project's access keys, ``voice/access-keys#<projectId>``."""
PRESENCE = "voice/presence"
"""A project's presence buckets, ``voice/presence#<projectId>``, by bucket start (Unix seconds)."""
PRESENCE_NOW = "voice/presence-now"
"""The counts in effect now and since when, by project id."""

BUCKET = 300
"""Analytics resolution up to a day: five minutes."""
HOUR = 3600
DAY = 86400
MAX_RANGE = 31 * DAY
"""Analytics look back at most a month (an older ``start`` is read from there)."""


def access_keys(twin: Twin, tenant: str, project_id: str) -> Collection:
    return twin.collection(tenant, f"{ACCESS_KEYS}#{project_id}")


def settings(twin: Twin, tenant: str, project_id: str) -> dict[str, Any]:
    """The project's voice settings; a project starts activated with no peer limit (twin decisions)."""
    found = twin.collection(tenant, SETTINGS).get(project_id)
    return found if found is not None else {"peerLimit": 0, "activated": True}


def save_settings(twin: Twin, tenant: str, project_id: str, record: dict[str, Any]) -> None:
    twin.collection(tenant, SETTINGS).put(project_id, record)


def peer_limit(twin: Twin, tenant: str, project_id: str) -> int:
    """Peers a room of the project may hold at once; 0 = unlimited."""
    return int(settings(twin, tenant, project_id).get("peerLimit", 0))


def note_presence(twin: Twin, tenant: str, project_id: str, peers: int, rooms: int) -> None:
    """Record that the project's rooms now hold ``peers`` peers in ``rooms`` rooms (called on every change)."""
    now = twin.clock.now()
    current = twin.collection(tenant, PRESENCE_NOW)
    buckets = twin.collection(tenant, f"{PRESENCE}#{project_id}")
    before = current.get(project_id) or {"peers": 0, "rooms": 0, "at": now}
    start = math.floor(now / BUCKET) * BUCKET
    with twin.store.transaction():
        record = buckets.get(str(start))
        if record is None:
            since = max(float(before["at"]), float(start))
            record = {"start": start, "startPeers": before["peers"], "startRooms": before["rooms"],
                      "peakPeers": before["peers"], "peakRooms": before["rooms"], "peerSeconds": 0.0,
                      "roomSeconds": 0.0, "lastAt": since, "lastPeers": before["peers"], "lastRooms": before["rooms"]}
        spent = max(0.0, now - float(record["lastAt"]))
        record["peerSeconds"] = float(record["peerSeconds"]) + spent * int(record["lastPeers"])
        record["roomSeconds"] = float(record["roomSeconds"]) + spent * int(record["lastRooms"])
        record.update(lastAt=now, lastPeers=peers, lastRooms=rooms,
                      peakPeers=max(int(record["peakPeers"]), peers), peakRooms=max(int(record["peakRooms"]), rooms))
        buckets.put(str(start), record)
        current.put(project_id, {"peers": peers, "rooms": rooms, "at": now})


def over_time(twin: Twin, tenant: str, project_id: str, start: float, what: str) -> dict[str, list[list[float]]]:
    """``{peak, average}`` of ``what`` (``Peers`` or ``Rooms``) as ``[timestamp_ms, count]`` from ``start`` to now.

    Five-minute points for up to a day, hourly ones beyond (each hourly point
    the peak and the average of its twelve buckets).
    """
    now = twin.clock.now()
    first = math.floor(max(start, now - MAX_RANGE) / BUCKET) * BUCKET
    if first > now:
        return {"peak": [], "average": []}
    starts = list(range(int(first), int(now) + 1, BUCKET))
    stored = twin.collection(tenant, f"{PRESENCE}#{project_id}").get_many(str(s) for s in starts)
    current = twin.collection(tenant, PRESENCE_NOW).get(project_id) or {"peers": 0, "rooms": 0}
    carried = int(current[what.lower()])
    figures: list[tuple[int, float, float]] = []
    # Walk back from now: a bucket with no record kept the count the next recorded one started with.
    for bucket_start in reversed(starts):
        end = min(bucket_start + BUCKET, now)
        record = stored.get(str(bucket_start))
        if record is None:
            figures.append((bucket_start, carried, carried))
            continue
        last = int(record[f"last{what}"])
        spent = float(record[f"{what[:-1].lower()}Seconds"]) + max(0.0, end - float(record["lastAt"])) * last
        span = max(end - bucket_start, 1e-9)
        figures.append((bucket_start, float(record[f"peak{what}"]), spent / span))
        carried = int(record[f"start{what}"])
    figures.reverse()
    step = BUCKET if now - first <= DAY else HOUR
    return _points(figures, step)


def _points(figures: list[tuple[int, float, float]], step: int) -> dict[str, list[list[float]]]:
    peak: list[list[float]] = []
    average: list[list[float]] = []
    group: list[tuple[int, float, float]] = []
    for figure in figures:
        if group and figure[0] // step != group[0][0] // step:
            _close(group, step, peak, average)
            group = []
        group.append(figure)
    if group:
        _close(group, step, peak, average)
    return {"peak": peak, "average": average}


def _close(group: list[tuple[int, float, float]], step: int, peak: list[list[float]], average: list[list[float]]) -> None:
    at = (group[0][0] // step) * step * 1000
    peak.append([at, max(f[1] for f in group)])
    average.append([at, round(sum(f[2] for f in group) / len(group), 3)])
