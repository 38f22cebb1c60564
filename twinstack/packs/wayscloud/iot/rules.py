"""The rule engine: alarm rules evaluated on every message, connect and disconnect, and on the twin clock.

| rule_type | config | fires when | clears when |
|---|---|---|---|
| ``threshold`` | ``datapoint_id`` (id or name), ``operator`` gt/gte/lt/lte/eq/neq, ``value``, ``duration_seconds`` | a value breaches, for ``duration_seconds`` (checked again on the clock) | a value no longer breaches |
| ``offline`` | ``silence_seconds`` (300) | the device stays disconnected that long | it connects or publishes |
| ``missing_data`` | ``silence_seconds`` (300) | no message for that long, connected or not | a message arrives |
| ``message_rate`` | ``max_messages`` (60), ``window_seconds`` (60) | more messages than that in the window (whole minutes, this one included) | the rate falls back |
| ``reconnect_rate`` | ``max_reconnects`` (5), ``window_seconds`` (3600) | more connects than that in the window (whole minutes) | a later connect is within it |

A rule covers the fleet, one device, a group's devices or a profile's. After firing it waits
``cooldown_seconds`` before firing again for the same device (a repeat while its alarm is open adds an
occurrence); with ``auto_resolve`` the open alarm is resolved when the condition clears. Timed checks
are durable jobs, one per rule and device, moved on each message (``WATCH``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.wayscloud.iot import alarms
from twinstack.packs.wayscloud.iot.model import (
    DEVICES, LATEST, MAX_RULES, MEMBERS, RULE_STATE, RULES, Scope, key, parse_time, utc,
)
from twinstack.store import Job

WATCH = "wayscloud.iot.watch"
"""Job kind: a timed check of one rule for one device (payload ``rule_id``, ``device_id``, ``check``)."""
RULE_TYPES = ("offline", "missing_data", "threshold", "message_rate", "reconnect_rate")
SCOPES = ("fleet", "device", "group", "profile")
SEVERITIES = ("critical", "warning", "info")
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le, "eq": operator.eq,
    "neq": operator.ne, ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
    "!=": operator.ne,
}
DEFAULT_SILENCE = 300.0


def enabled(scope: Scope) -> list[dict[str, Any]]:
    return scope.col(RULES).find({"is_enabled": True}, limit=MAX_RULES).items


def applies(scope: Scope, rule: dict[str, Any], record: dict[str, Any]) -> bool:
    kind = rule.get("scope_type") or "fleet"
    device_id = str(record["device_id"])
    if kind == "device":
        return str(rule.get("scope_device_id")) == device_id
    if kind == "group":
        return scope.col(MEMBERS).get(key(str(rule.get("scope_group_id")), device_id)) is not None
    if kind == "profile":
        return record.get("profile_id") is not None and str(rule.get("scope_profile_id")) == str(record["profile_id"])
    return True


def _number(config: dict[str, Any], name: str, default: float) -> float:
    value = config.get(name)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else default


def _state(scope: Scope, rule_id: str, device_id: str) -> dict[str, Any]:
    return scope.col(RULE_STATE).get(key(rule_id, device_id)) or {"rule_id": rule_id, "device_id": device_id}


def _save(scope: Scope, state: dict[str, Any]) -> None:
    scope.col(RULE_STATE).put(key(str(state["rule_id"]), str(state["device_id"])), state)


def _fire(scope: Scope, rule: dict[str, Any], device_id: str, title: str, message: str,
          context: dict[str, Any]) -> bool:
    """Raise the rule's alarm unless it fired for this device within its cooldown."""
    state = _state(scope, str(rule["id"]), device_id)
    last = state.get("last_fired_at")
    if isinstance(last, (int, float)) and scope.now - last < float(rule.get("cooldown_seconds", 300)):
        return False
    state["last_fired_at"] = scope.now
    _save(scope, state)
    alarms.trigger(scope, rule, device_id, title, message, context)
    rule["last_evaluated_at"] = scope.iso()
    scope.col(RULES).put(str(rule["id"]), rule)
    return True


def _clear(scope: Scope, rule: dict[str, Any], device_id: str, reason: str) -> None:
    if rule.get("auto_resolve"):
        alarms.auto_resolve(scope, rule, device_id, reason)


def _watch(scope: Scope, rule: dict[str, Any], device_id: str, check: str, delay: float) -> None:
    scope.twin.scheduler.schedule(WATCH, delay, service=scope.twin.slug, tenant=scope.tenant,
                                  payload={"rule_id": rule["id"], "device_id": device_id, "check": check},
                                  job_id=f"iot-watch:{scope.tenant}:{rule['id']}:{device_id}")


def _unwatch(scope: Scope, rule: dict[str, Any], device_id: str) -> None:
    job_id = f"iot-watch:{scope.tenant}:{rule['id']}:{device_id}"
    scope.twin.memo.pop(job_id, None)
    scope.twin.scheduler.cancel(job_id)


def _keep_watching(scope: Scope, rule: dict[str, Any], device_id: str, check: str, delay: float) -> None:
    """A silence check due by ``delay`` from now, without a job write per message.

    A check already pending (this process's memo of its due time) stays: when it comes due early it
    finds the device heard from since and moves itself to the last message plus the silence window.
    """
    job_id = f"iot-watch:{scope.tenant}:{rule['id']}:{device_id}"
    due = scope.twin.memo.get(job_id)
    if isinstance(due, float) and due > scope.now:
        return
    _watch(scope, rule, device_id, check, delay)
    scope.twin.memo[job_id] = scope.now + delay


def _matches(config: dict[str, Any], dp: dict[str, Any]) -> bool:
    wanted = config.get("datapoint_id") or config.get("datapoint") or config.get("key")
    return wanted is not None and str(wanted) in (str(dp["id"]), str(dp["name"]))


def _breach(config: dict[str, Any], value: Any) -> bool:
    compare = OPERATORS.get(str(config.get("operator", "gt")))
    limit = config.get("value", config.get("threshold"))
    if compare is None or limit is None or isinstance(value, bool) != isinstance(limit, bool):
        return False
    try:
        return bool(compare(value, limit))
    except TypeError:
        return False


def _threshold(scope: Scope, rule: dict[str, Any], device_id: str, dp: dict[str, Any], value: Any) -> None:
    config = dict(rule.get("config") or {})
    state = _state(scope, str(rule["id"]), device_id)
    if not _breach(config, value):
        if state.get("breach_since") is not None:
            state.pop("breach_since")
            _save(scope, state)
            _unwatch(scope, rule, device_id)
        _clear(scope, rule, device_id, f"{dp['name']} back within limits ({value})")
        return
    duration = _number(config, "duration_seconds", 0.0)
    since = state.get("breach_since")
    if since is None:
        since = scope.now
        state["breach_since"] = since
        _save(scope, state)
        if duration > 0:
            _watch(scope, rule, device_id, "threshold", duration)
    if scope.now - float(since) >= duration:
        op, limit = config.get("operator", "gt"), config.get("value", config.get("threshold"))
        _fire(scope, rule, device_id, f"{rule.get('name', 'Threshold')}: {device_id}",
              f"{dp['name']} is {value} ({op} {limit})",
              {"datapoint_id": dp["id"], "datapoint": dp["name"], "value": value, "operator": op, "limit": limit})


def _minute_counts(scope: Scope, kind: str, device_id: str, window: float) -> int:
    """Events of ``kind`` for the device in the last ``window`` seconds (whole minutes, this one included)."""
    now = scope.now
    minutes = max(1, min(int((window + 59) // 60), 1440))
    total, hours = 0, dict[str, list[str]]()
    for back in range(minutes):
        moment = utc(now - back * 60)
        hours.setdefault(moment.strftime("%Y%m%d%H"), []).append(f"{moment.minute:02d}")
    for hour, wanted in hours.items():
        counters = scope.counters(key("min", kind, device_id, hour))
        total += sum(counters.get(m, 0) for m in wanted)
    return total


def count_minute(scope: Scope, kind: str, device_id: str) -> None:
    moment = utc(scope.now)
    scope.add(key("min", kind, device_id, moment.strftime("%Y%m%d%H")), {f"{moment.minute:02d}": 1})


def on_message(scope: Scope, record: dict[str, Any], values: list[tuple[dict[str, Any], Any]],
               rules: list[dict[str, Any]]) -> None:
    device_id = str(record["device_id"])
    for rule in rules:
        if not applies(scope, rule, record):
            continue
        kind, config = rule.get("rule_type"), dict(rule.get("config") or {})
        if kind == "threshold":
            for dp, value in values:
                if _matches(config, dp):
                    _threshold(scope, rule, device_id, dp, value)
        elif kind == "missing_data":
            _clear(scope, rule, device_id, "Telemetry received again")
            _keep_watching(scope, rule, device_id, "missing_data",
                           _number(config, "silence_seconds", DEFAULT_SILENCE))
        elif kind == "offline" and record.get("_presence") == "messages":
            _clear(scope, rule, device_id, "Device heard from again")
            _keep_watching(scope, rule, device_id, "offline", _number(config, "silence_seconds", DEFAULT_SILENCE))
        elif kind == "message_rate":
            window = _number(config, "window_seconds", 60.0)
            limit = _number(config, "max_messages", _number(config, "max_per_minute", 60.0))
            seen = _minute_counts(scope, "m", device_id, window)
            if seen > limit:
                _fire(scope, rule, device_id, f"{rule.get('name', 'Message rate')}: {device_id}",
                      f"{seen} messages in {int(window)} s (limit {int(limit)})",
                      {"messages": seen, "window_seconds": window, "limit": limit})
            else:
                _clear(scope, rule, device_id, f"Message rate back to {seen} in {int(window)} s")


def on_connect(scope: Scope, record: dict[str, Any]) -> None:
    device_id = str(record["device_id"])
    for rule in enabled(scope):
        if not applies(scope, rule, record):
            continue
        config = dict(rule.get("config") or {})
        if rule.get("rule_type") == "offline":
            _unwatch(scope, rule, device_id)
            _clear(scope, rule, device_id, "Device reconnected")
        elif rule.get("rule_type") == "reconnect_rate":
            window = _number(config, "window_seconds", 3600.0)
            limit = _number(config, "max_reconnects", 5.0)
            seen = _minute_counts(scope, "c", device_id, window)
            if seen > limit:
                _fire(scope, rule, device_id, f"{rule.get('name', 'Reconnect rate')}: {device_id}",
                      f"{seen} connects in {int(window)} s (limit {int(limit)})",
                      {"connects": seen, "window_seconds": window, "limit": limit})
            else:
                _clear(scope, rule, device_id, "Connection stable again")


def on_disconnect(scope: Scope, record: dict[str, Any]) -> None:
    for rule in enabled(scope):
        if rule.get("rule_type") == "offline" and applies(scope, rule, record):
            silence = _number(dict(rule.get("config") or {}), "silence_seconds", DEFAULT_SILENCE)
            _watch(scope, rule, str(record["device_id"]), "offline", silence)


async def watch(twin: Twin, job: Job) -> None:
    """A timed check come due: fire the rule if its condition still holds."""
    scope = Scope(twin, job.tenant)
    rule = scope.col(RULES).get(str(job.payload.get("rule_id")))
    device_id = str(job.payload.get("device_id"))
    record = scope.col(DEVICES).get(device_id)
    if rule is None or record is None or not rule.get("is_enabled", True) or not record.get("is_active", True):
        return
    config, check = dict(rule.get("config") or {}), str(job.payload.get("check"))
    silence = _number(config, "silence_seconds", DEFAULT_SILENCE)
    scope.twin.memo.pop(f"iot-watch:{scope.tenant}:{rule['id']}:{device_id}", None)
    if check == "offline":
        presence = record.get("_presence") == "messages"
        since = parse_time(record.get("last_seen" if presence else "disconnected_at"))
        offline = presence or record.get("connection_status") != "connected"
        if offline and since is not None and scope.now - since >= silence - 1e-6:
            _fire(scope, rule, device_id, f"Device offline: {device_id}",
                  f"Device has been offline for {int(scope.now - since)} seconds",
                  {"silence_seconds": silence, "last_seen": record.get("last_seen")})
        elif presence and since is not None:
            _keep_watching(scope, rule, device_id, "offline", since + silence - scope.now)
    elif check == "missing_data":
        since = parse_time(record.get("last_message_at"))
        if since is not None and scope.now - since >= silence - 1e-6:
            _fire(scope, rule, device_id, f"No data: {device_id}",
                  f"No telemetry for {int(scope.now - since)} seconds",
                  {"silence_seconds": silence, "last_message_at": record.get("last_message_at")})
        elif since is not None:
            _keep_watching(scope, rule, device_id, "missing_data", since + silence - scope.now)
    elif check == "threshold":
        state = _state(scope, str(rule["id"]), device_id)
        wanted = config.get("datapoint_id") or config.get("datapoint") or config.get("key")
        for row in scope.col(LATEST).find({"device_id": device_id}, limit=100).items:
            if str(wanted) in (str(row["datapoint_id"]), str(row.get("name"))) and state.get("breach_since") is not None:
                dp = {"id": row["datapoint_id"], "name": row.get("name", "")}
                _threshold(scope, rule, device_id, dp, row["value"])


def view(rule: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rule.items() if not k.startswith("_") and v is not None}
