"""Devices: registration with MQTT credentials, connection state from the broker, tallies and health.

A device's MQTT login is issued once at registration: the username and client id are the twin's
choice, the password is shown in that answer only and kept as a salted SHA-256 (it is 32 random
bytes, so a slow hash adds nothing). The broker checks every CONNECT against it. What the broker
sees is written on the device: ``connection_status`` and ``connected_at``/``disconnected_at`` on
connect and disconnect, ``last_seen`` on each of those and on every message, and hourly tallies
(``messages_24h``, reconnects) kept as counters per device and day.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from twinstack.engine.state import SHARED_TENANT
from twinstack.engine.twin import Twin
from twinstack.errors import TwinError
from twinstack.packs.wayscloud.iot.model import COUNTERS, DEVICES, LOGINS, OWNERS, Scope, key, parse_time, utc

PLAN = "iot-50"
DEVICE_LIMIT = 50
"""The subscription every account has (the document's example): 50 devices."""
SILENT_AFTER = 300.0
"""Behind an external broker (no connection events), a device is online while it was heard from this recently."""
_HEALTHY, _DEGRADED = 80, 50


def take_slot(scope: Scope) -> bool:
    """Count one more device against the plan's limit; False when the limit is reached."""
    got = scope.twin.store.adjust(COUNTERS, f"{scope.tenant}\ndevices", {"count": 1},
                                  within={"count": (0, DEVICE_LIMIT)})
    return got is not None


def free_slot(scope: Scope) -> None:
    scope.twin.store.adjust(COUNTERS, f"{scope.tenant}\ndevices", {"count": -1}, within={"count": (0, None)})


def issue_login(scope: Scope, device_id: str) -> dict[str, str]:
    """New MQTT credentials for the device (the password is in this answer only)."""
    username = "wc_" + secrets.token_hex(10)
    password = secrets.token_urlsafe(32)
    salt = secrets.token_hex(8)
    scope.shared(LOGINS).put(username, {"tenant": scope.tenant, "device_id": device_id, "salt": salt,
                                        "hash": _digest(salt, password)})
    scope.shared(OWNERS).insert(device_id, {"tenant": scope.tenant})
    return {"mqtt_username": username, "mqtt_password": password, "mqtt_client_id": device_id}


def check_login(twin: Twin, username: str | None, password: str | None) -> dict[str, Any] | None:
    """The login row when ``username``/``password`` are a device's current MQTT credentials."""
    if not username or password is None:
        return None
    row = twin.collection(SHARED_TENANT, LOGINS).get(username)
    if row is None or not hmac.compare_digest(str(row["hash"]), _digest(str(row["salt"]), password)):
        return None
    return dict(row)


def drop_login(scope: Scope, record: dict[str, Any]) -> None:
    username = record.get("_mqtt_username")
    if isinstance(username, str):
        scope.shared(LOGINS).delete(username)
    owner = scope.shared(OWNERS).get(str(record["device_id"]))
    if owner is not None and owner.get("tenant") == scope.tenant:
        scope.shared(OWNERS).delete(str(record["device_id"]))


def _digest(salt: str, password: str) -> str:
    return hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()


def device(scope: Scope, device_id: str) -> dict[str, Any]:
    found = scope.col(DEVICES).get(device_id)
    if found is None:
        raise TwinError("Device not found", status=404, field="device_id", details={"detail": "Device not found"})
    return found


# -- tallies ----------------------------------------------------------------
def _day_hour(at: float) -> tuple[str, str]:
    moment = utc(at)
    return moment.strftime("%Y-%m-%d"), f"{moment.hour:02d}"


def _last_24h(scope: Scope, base: str, prefix: str) -> int:
    """Sum of the hourly fields ``<prefix>_<hh>`` of the last 24 hours (this hour included)."""
    return _last_24h_of(scope, [base], (prefix,))[base][prefix]


def _last_24h_of(scope: Scope, bases: list[str], prefixes: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """``_last_24h`` of each of ``bases`` for each of ``prefixes``: today's and yesterday's tallies of
    every base in one store look-up, so a page of devices costs one query, not two per device."""
    now = scope.now
    today, hour = _day_hour(now)
    yesterday, _ = _day_hour(now - 86400)
    current = int(hour)
    found = scope.counters_many([key(b, day) for b in bases for day in (today, yesterday)])
    out: dict[str, dict[str, int]] = {}
    for base in bases:
        sums = dict.fromkeys(prefixes, 0)
        for day, recent in ((today, True), (yesterday, False)):
            for name, value in found[key(base, day)].items():
                kind, _, at = name.partition("_")
                if kind in sums and at.isdigit() and (int(at) <= current) == recent:
                    sums[kind] += value
        out[base] = sums
    return out


def device_tallies(scope: Scope, device_ids: list[str]) -> dict[str, dict[str, int]]:
    """Messages (``m``) and connects (``c``) of the last 24 hours of each device, in one look-up."""
    bases = {device_id: key("device", device_id) for device_id in device_ids}
    found = _last_24h_of(scope, list(bases.values()), ("m", "c"))
    return {device_id: found[base] for device_id, base in bases.items()}


def tally_message(scope: Scope, device_id: str, points: int) -> None:
    day, hour = _day_hour(scope.now)
    scope.add(key("device", device_id, day), {f"m_{hour}": 1})
    scope.add(key("tenant", day), {f"m_{hour}": 1, f"p_{hour}": points, "messages": 1, "points": points})
    scope.add(key("month", day[:7]), {"messages": 1, "points": points})


def tally_connect(scope: Scope, device_id: str) -> None:
    day, hour = _day_hour(scope.now)
    scope.add(key("device", device_id, day), {f"c_{hour}": 1})


def messages_24h(scope: Scope, device_id: str) -> int:
    return _last_24h(scope, key("device", device_id), "m")


def connects_24h(scope: Scope, device_id: str) -> int:
    return _last_24h(scope, key("device", device_id), "c")


def tenant_24h(scope: Scope, prefix: str) -> int:
    return _last_24h(scope, "tenant", prefix)


def tenant_day(scope: Scope, field: str) -> int:
    day, _ = _day_hour(scope.now)
    return scope.counters(key("tenant", day)).get(field, 0)


def tenant_month(scope: Scope, field: str) -> int:
    day, _ = _day_hour(scope.now)
    return scope.counters(key("month", day[:7])).get(field, 0)


# -- connection state ---------------------------------------------------------
def is_online(scope: Scope, record: dict[str, Any]) -> bool:
    if record.get("_presence") == "messages":
        seen = parse_time(record.get("last_seen"))
        return seen is not None and scope.now - seen <= SILENT_AFTER
    return record.get("connection_status") == "connected"


def mark(scope: Scope, record: dict[str, Any], status: str) -> dict[str, Any]:
    stamp = scope.iso()
    record.update({"connection_status": status, "last_seen": stamp,
                   "connected_at" if status == "connected" else "disconnected_at": stamp})
    scope.col(DEVICES).put(str(record["device_id"]), record)
    return record


# -- views ----------------------------------------------------------------------
_SHOWN = ("device_id", "name", "description", "device_type", "is_active", "last_seen", "firmware_version",
          "tags", "metadata", "battery_level", "signal_strength", "created_at", "profile_id", "updated_at")


def view(scope: Scope, record: dict[str, Any], tallies: dict[str, int] | None = None) -> dict[str, Any]:
    """The device as the API shows it; ``tallies`` (``device_tallies``) when a page read them at once."""
    device_id = str(record["device_id"])
    if tallies is None:
        tallies = device_tallies(scope, [device_id])[device_id]
    out = {f: record[f] for f in _SHOWN if record.get(f) is not None}
    online = is_online(scope, record)
    out["tags"] = list(record.get("tags") or [])
    out["is_online"] = online
    out["connection_status"] = "connected" if online else "disconnected"
    out["messages_24h"] = tallies["m"]
    if record.get("last_seen") is not None:
        out["stability_score"] = health(scope, record, tallies=tallies)["components"]["connection_stability"]
    return out


def views(scope: Scope, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``view`` of each of a page of devices, their tallies read in one look-up."""
    tallies = device_tallies(scope, [str(r["device_id"]) for r in records])
    return [view(scope, r, tallies[str(r["device_id"])]) for r in records]


def health(scope: Scope, record: dict[str, Any], active_alarms: dict[str, int] | None = None,
           interval: float | None = None, tallies: dict[str, int] | None = None) -> dict[str, Any]:
    """Uptime, alarm burden, connection stability and telemetry freshness (0-100 each) and their mean.

    ``unknown`` for a device never heard from, ``offline`` while it is not connected; otherwise
    healthy (>= 80), degraded (>= 50) or unhealthy.
    """
    device_id = str(record["device_id"])
    seen = parse_time(record.get("last_seen"))
    online = is_online(scope, record)
    now = scope.now
    if seen is None:
        components = {"uptime": 0, "alarm_burden": 100, "connection_stability": 100, "telemetry_freshness": 0}
    else:
        since = now - seen
        uptime = 100 if online else max(0, 100 - int(since * 100 / 86400))
        weights = {"critical": 40, "warning": 20, "info": 5}
        burden = sum(weights.get(sev, 0) * n for sev, n in (active_alarms or {}).items())
        connects = tallies["c"] if tallies is not None else connects_24h(scope, device_id)
        reconnects = max(0, connects - 1)
        last_message = parse_time(record.get("last_message_at"))
        expected = interval or SILENT_AFTER
        if last_message is None:
            fresh = 0
        else:
            age = now - last_message
            fresh = 100 if age <= expected else max(0, 100 - int((age - expected) * 100 / (9 * expected)))
        components = {"uptime": uptime, "alarm_burden": max(0, 100 - burden),
                      "connection_stability": max(0, 100 - 10 * reconnects), "telemetry_freshness": fresh}
    score = round(sum(components.values()) / len(components))
    if seen is None:
        status = "unknown"
    elif not online:
        status = "offline"
    else:
        status = "healthy" if score >= _HEALTHY else "degraded" if score >= _DEGRADED else "unhealthy"
    return {"device_id": device_id, "health_score": score, "health_status": status, "components": components,
            "checked_at": scope.iso(), "score": score, "status": status}
