"""Alarms: raised by rules, then acknowledged, resolved and reopened, each step on the alarm's timeline.

One rule has at most one open alarm (``active`` or ``acknowledged``) per device: a repeat while it is
open adds to ``occurrence_count``. Acknowledging needs an open alarm; resolving closes it (with the
note); only a resolved alarm can be reopened. Acting again on an alarm already in the state asked
for changes nothing. Every change is a timeline row (``triggered``, ``retriggered``,
``acknowledged``, ``resolved``, ``auto_resolved``, ``reopened``) naming its actor, and is handed to
the notification policies (``notify.route``).
"""

from __future__ import annotations

from typing import Any

import twinstack.packs.wayscloud.iot.notify as notify
from twinstack.packs.wayscloud.iot.model import ALARM_EVENTS, ALARMS, Scope, bad, found, key, new_id, public

OPEN = ("active", "acknowledged")
RULE_ENGINE = "rule_engine"


def open_alarm(scope: Scope, rule_id: str, device_id: str) -> dict[str, Any] | None:
    return scope.col(ALARMS).find_one(open_key=key(rule_id, device_id))


def get(scope: Scope, alarm_id: str) -> dict[str, Any]:
    return found(scope.col(ALARMS).get(alarm_id), "Alarm", alarm_id, "alarm_id")


def _event(scope: Scope, alarm_id: str, event_type: str, actor: str, note: str | None = None,
           metadata: dict[str, Any] | None = None) -> None:
    counted = scope.twin.store.adjust("wayscloud:iot:timeline", f"{scope.tenant}\n{alarm_id}", {"n": 1})
    number = (counted or {"n": 1})["n"]
    row: dict[str, Any] = {"id": number, "alarm_id": alarm_id, "event_type": event_type, "actor": actor,
                           "created_at": scope.iso()}
    if note is not None:
        row["note"] = note
    if metadata is not None:
        row["metadata"] = metadata
    scope.col(ALARM_EVENTS).put(key(alarm_id, f"{number:08d}"), row)


def timeline(scope: Scope, alarm_id: str) -> list[dict[str, Any]]:
    get(scope, alarm_id)
    rows = scope.col(ALARM_EVENTS).find({"alarm_id": alarm_id}, limit=1000).items
    return [{k: v for k, v in r.items() if k != "alarm_id"} for r in sorted(rows, key=lambda r: int(r["id"]))]


def trigger(scope: Scope, rule: dict[str, Any], device_id: str, title: str, message: str,
            context: dict[str, Any]) -> dict[str, Any]:
    """Raise (or repeat) the rule's alarm for the device, and notify."""
    stamp = scope.iso()
    existing = open_alarm(scope, str(rule["id"]), device_id)
    if existing is not None:
        existing["occurrence_count"] = int(existing.get("occurrence_count", 1)) + 1
        existing.update({"message": message, "context": context, "_last_triggered_at": stamp})
        scope.col(ALARMS).put(str(existing["id"]), existing)
        _event(scope, str(existing["id"]), "retriggered", RULE_ENGINE,
               metadata={"occurrence_count": existing["occurrence_count"]})
        notify.route(scope, existing, "triggered")
        return existing
    alarm: dict[str, Any] = {
        "id": new_id(), "device_id": device_id, "rule_id": str(rule["id"]), "rule_name": rule.get("name"),
        "severity": rule.get("severity", "warning"), "title": title, "message": message, "status": "active",
        "triggered_at": stamp, "occurrence_count": 1, "context": context, "created_at": stamp,
        "open_key": key(str(rule["id"]), device_id),
        "_marks_unhealthy": "mark_unhealthy" in (rule.get("actions") or []),
    }
    scope.col(ALARMS).put(str(alarm["id"]), alarm)
    _event(scope, str(alarm["id"]), "triggered", RULE_ENGINE, metadata={"severity": alarm["severity"]})
    notify.route(scope, alarm, "triggered")
    return alarm


def acknowledge(scope: Scope, alarm_id: str, actor: str, note: str | None) -> dict[str, Any]:
    alarm = get(scope, alarm_id)
    if alarm["status"] == "acknowledged":
        return alarm
    if alarm["status"] != "active":
        raise bad("alarm_id", f"Alarm is {alarm['status']}; only an active alarm can be acknowledged",
                  alarm_id)
    alarm.update({"status": "acknowledged", "acknowledged_at": scope.iso(), "acknowledged_by": actor})
    scope.col(ALARMS).put(alarm_id, alarm)
    _event(scope, alarm_id, "acknowledged", actor, note)
    notify.route(scope, alarm, "acknowledged")
    return alarm


def resolve(scope: Scope, alarm_id: str, actor: str, note: str | None, event: str = "resolved") -> dict[str, Any]:
    alarm = get(scope, alarm_id)
    if alarm["status"] not in OPEN:
        return alarm
    alarm.update({"status": "resolved", "resolved_at": scope.iso(), "resolved_by": actor})
    alarm.pop("open_key", None)
    if note is not None:
        alarm["resolution_note"] = note
    scope.col(ALARMS).put(alarm_id, alarm)
    _event(scope, alarm_id, event, actor, note)
    notify.route(scope, alarm, "resolved")
    return alarm


def reopen(scope: Scope, alarm_id: str, actor: str, note: str | None) -> dict[str, Any]:
    alarm = get(scope, alarm_id)
    if alarm["status"] == "active":
        return alarm
    if alarm["status"] != "resolved":
        raise bad("alarm_id", f"Alarm is {alarm['status']}; only a resolved alarm can be reopened", alarm_id)
    if open_alarm(scope, str(alarm["rule_id"]), str(alarm["device_id"])) is not None:
        raise bad("alarm_id", "The rule has raised a newer alarm for this device that is still open", alarm_id)
    for stale in ("resolved_at", "resolved_by", "resolution_note", "acknowledged_at", "acknowledged_by"):
        alarm.pop(stale, None)
    alarm.update({"status": "active", "open_key": key(str(alarm["rule_id"]), str(alarm["device_id"]))})
    scope.col(ALARMS).put(alarm_id, alarm)
    _event(scope, alarm_id, "reopened", actor, note)
    notify.route(scope, alarm, "triggered")
    return alarm


def auto_resolve(scope: Scope, rule: dict[str, Any], device_id: str, reason: str) -> None:
    alarm = open_alarm(scope, str(rule["id"]), device_id)
    if alarm is not None:
        resolve(scope, str(alarm["id"]), RULE_ENGINE, reason, event="auto_resolved")


def view(alarm: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in public(alarm).items() if k not in ("open_key", "resolved_by") and v is not None}


def counts(scope: Scope) -> dict[str, Any]:
    alarms = scope.col(ALARMS)
    by_status = {s: alarms.count(status=s) for s in ("active", "acknowledged", "resolved")}
    # By severity: the alarms still open (what needs attention), as the document's example counts them.
    by_severity = {sev: sum(alarms.count(status=s, severity=sev) for s in OPEN) for sev in ("critical", "warning", "info")}
    return {"by_status": by_status, "by_severity": by_severity, "active_total": by_status["active"]
            + by_status["acknowledged"], **by_status, "total": sum(by_status.values())}
