"""Telemetry: what devices publish, stored per device and datapoint, and read back.

A message on ``devices/<device id>/telemetry`` carrying a JSON object gives one value per top-level
key with a scalar value; a key no datapoint defines yet gets a definition of its own (``number``,
``string`` or ``boolean`` from the value), so the fleet's datapoints are discovered as they arrive.
A datapoint with a ``source_topic`` (MQTT wildcards ``+``/``#``) and a ``json_path`` (``$.a.b``)
takes its value from any of the device's messages on a matching topic. Values are kept in a ring of
``RING`` per device and datapoint (the oldest is overwritten) and for at most ``RETENTION_HOURS``;
the newest value of each is kept apart for ``telemetry/latest``.
"""

from __future__ import annotations

from typing import Any

import orjson

from twinstack.packs.wayscloud.iot.model import (
    DATAPOINT_NAMES, DATAPOINTS, LATEST, POINTS, Scope, key, new_id, parse_time, public,
)

RING = 500
"""Values kept per device and datapoint."""
RETENTION_HOURS = 168
"""The longest window ``telemetry?hours=`` reads (the document's maximum)."""
MAX_DATAPOINTS = 100
"""Datapoint definitions one account may have (discovered ones included)."""
_DEVICE_FIELDS = {"battery": "battery_level", "battery_level": "battery_level", "rssi": "signal_strength",
                  "signal_strength": "signal_strength", "firmware": "firmware_version",
                  "firmware_version": "firmware_version"}


def data_type_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def define(scope: Scope, name: str, fields: dict[str, Any]) -> dict[str, Any] | None:
    """A new datapoint definition named ``name``; None when the name is taken."""
    dp_id = new_id()
    if not scope.col(DATAPOINT_NAMES).insert(name, {"datapoint_id": dp_id}):
        return None
    record: dict[str, Any] = {"id": dp_id, "name": name, "data_type": "number", "is_chartable": True,
                              "is_alertable": True, "created_at": scope.iso()}
    record.update({k: v for k, v in fields.items() if v is not None})
    record["is_chartable"] = record["data_type"] == "number"
    record["mapped"] = bool(record.get("source_topic"))
    scope.col(DATAPOINTS).put(dp_id, record)
    return record


def by_name(scope: Scope, name: str) -> dict[str, Any] | None:
    row = scope.col(DATAPOINT_NAMES).get(name)
    return scope.col(DATAPOINTS).get(str(row["datapoint_id"])) if row else None


def topic_matches(pattern: str, topic: str, device_id: str) -> bool:
    want = pattern.replace("{device_id}", device_id).split("/")
    have = topic.split("/")
    for i, part in enumerate(want):
        if part == "#":
            return True
        if i >= len(have) or (part != "+" and part != have[i]):
            return False
    return len(want) == len(have)


def extract(document: Any, path: str | None) -> Any:
    if not path or path in ("$", "."):
        return document
    current = document
    for part in path.removeprefix("$").strip(".").split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def readings(scope: Scope, device_id: str, topic: str, payload: bytes) -> list[tuple[dict[str, Any], Any]]:
    """The (datapoint, value) pairs one message carries."""
    try:
        document: Any = orjson.loads(payload)
    except orjson.JSONDecodeError:
        document = payload.decode("utf-8", "replace")
    out: list[tuple[dict[str, Any], Any]] = []
    seen: set[str] = set()
    for dp in scope.col(DATAPOINTS).find({"mapped": True}, limit=MAX_DATAPOINTS).items:
        if topic_matches(str(dp["source_topic"]), topic, device_id):
            value = extract(document, dp.get("json_path"))
            if data_type_of(value) is not None:
                out.append((dp, value))
                seen.add(str(dp["name"]))
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == "devices" and parts[2] == "telemetry" and isinstance(document, dict):
        for name, value in list(document.items())[:MAX_DATAPOINTS]:
            kind = data_type_of(value)
            if kind is None or name in seen or not name or len(name) > 100:
                continue
            known = by_name(scope, name)
            if known is None and scope.col(DATAPOINTS).count() < MAX_DATAPOINTS:
                known = define(scope, name, {"data_type": kind}) or by_name(scope, name)
            if known is not None and not known.get("mapped"):
                out.append((known, value))
    return out


def store(scope: Scope, record: dict[str, Any], values: list[tuple[dict[str, Any], Any]]) -> None:
    """Keep the values (measured now) and copy the device's own ones (battery, signal, firmware) onto it."""
    device_id = str(record["device_id"])
    stamp, now = scope.iso(), scope.now
    for dp, value in values:
        series = key(device_id, str(dp["id"]))
        counted = scope.twin.store.adjust("wayscloud:iot:series", f"{scope.tenant}\n{series}", {"n": 1})
        slot = ((counted or {"n": 1})["n"] - 1) % RING
        point = {"series": series, "device_id": device_id, "datapoint_id": str(dp["id"]), "value": value,
                 "measured_at": stamp, "at": now, "slot": slot}
        scope.col(POINTS).put(key(series, str(slot)), point)
        scope.col(LATEST).put(series, {**point, "name": dp["name"]})
        field = _DEVICE_FIELDS.get(str(dp["name"]))
        if field is not None:
            record[field] = str(value) if field == "firmware_version" else (
                int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else record.get(field))


def _item(dp: dict[str, Any] | None, point: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"datapoint_id": point["datapoint_id"], "name": (dp or point).get("name", ""),
                            "data_type": (dp or {}).get("data_type") or data_type_of(point["value"]) or "string",
                            "measured_at": point["measured_at"], "value": point["value"]}
    for optional in ("label", "unit"):
        if dp and dp.get(optional) is not None:
            item[optional] = dp[optional]
    return item


def latest(scope: Scope, device_id: str) -> list[dict[str, Any]]:
    rows = scope.col(LATEST).find({"device_id": device_id}, limit=MAX_DATAPOINTS).items
    dps = scope.col(DATAPOINTS).get_many([str(r["datapoint_id"]) for r in rows])
    return [_item(dps.get(str(r["datapoint_id"])), r) for r in rows]


def history(scope: Scope, device_id: str, datapoint_id: str | None, hours: int) -> list[dict[str, Any]]:
    """Values of the last ``hours`` hours, oldest first, of one datapoint or of all the device's."""
    since = scope.now - min(hours, RETENTION_HOURS) * 3600
    if datapoint_id:
        dp = scope.col(DATAPOINTS).get(datapoint_id) or by_name(scope, datapoint_id)
        ids = [str(dp["id"])] if dp else [datapoint_id]
    else:
        ids = [str(r["datapoint_id"]) for r in scope.col(LATEST).find({"device_id": device_id},
                                                                     limit=MAX_DATAPOINTS).items]
    dps = scope.col(DATAPOINTS).get_many(ids)
    points: list[dict[str, Any]] = []
    for dp_id in ids:
        rows = scope.col(POINTS).find({"series": key(device_id, dp_id)}, limit=RING).items
        points += [r for r in rows if float(r.get("at") or parse_time(r.get("measured_at")) or 0) >= since]
    points.sort(key=lambda r: (float(r.get("at") or 0), str(r["datapoint_id"])))
    return [_item(dps.get(str(p["datapoint_id"])), p) for p in points]


def forget_device(scope: Scope, device_id: str) -> None:
    """Drop the device's stored values (a device registered again under the id starts empty)."""
    for row in scope.col(LATEST).find({"device_id": device_id}, limit=MAX_DATAPOINTS).items:
        series = key(device_id, str(row["datapoint_id"]))
        for point in scope.col(POINTS).find({"series": series}, limit=RING).items:
            scope.col(POINTS).delete(key(series, str(point["slot"])))
        scope.col(LATEST).delete(series)
        scope.twin.store.drop_counters("wayscloud:iot:series", f"{scope.tenant}\n{series}")


def view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in public(record).items() if k != "mapped"}

