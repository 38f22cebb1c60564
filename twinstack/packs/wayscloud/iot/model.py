"""Where IoT state lives, and the scope (one twin, one tenant) every IoT part works in.

Every collection is the tenant's own, except the MQTT logins (a broker login names its tenant, so
it is looked up before any tenant is known) and the device owners an external broker's topics are
resolved by. Devices keep the generic twin's collection name, which the account's services list reads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.state import SHARED_TENANT, Collection
from twinstack.engine.twin import Twin
from twinstack.errors import FieldIssue, NotFound, ValidationFailed

DEVICES = "/v1/iot/devices"
GROUPS = "iot/groups"
MEMBERS = "iot/group_members"
"""``<group id>\\n<device id>`` -> ``{group_id, device_id}``."""
PROFILES = "iot/profiles"
DATAPOINTS = "iot/datapoints"
DATAPOINT_NAMES = "iot/datapoint_names"
"""``<name>`` -> ``{datapoint_id}``: one definition per name, taken with ``insert``."""
POINTS = "iot/points"
"""``<device>\\n<datapoint>\\n<slot>``: a bounded ring of stored values per series."""
LATEST = "iot/latest"
"""``<device>\\n<datapoint>`` -> the newest value."""
RULES = "iot/rules"
RULE_STATE = "iot/rule_state"
"""``<rule>\\n<device>`` -> breach start, last trigger, pending check."""
ALARMS = "iot/alarms"
ALARM_EVENTS = "iot/alarm_events"
CHANNELS = "iot/channels"
CHANNEL_NAMES = "iot/channel_names"
POLICIES = "iot/policies"
DELIVERIES = "iot/deliveries"
NOTIFIED = "iot/notified"
"""``<policy>\\n<alarm>\\n<event>`` -> when that policy last notified that event of that alarm."""
LOGINS = "iot/mqtt_logins"
"""Shared: MQTT username -> ``{tenant, device_id, salt, hash}``."""
OWNERS = "iot/device_owners"
"""Shared: device id -> ``{tenant}`` (the first tenant to register that id), for an external broker."""

INDEXES: dict[str, tuple[str, ...]] = {
    DEVICES: ("is_active", "connection_status", "profile_id"),
    MEMBERS: ("group_id", "device_id"),
    DATAPOINTS: ("name", "mapped"),
    POINTS: ("series",),
    LATEST: ("device_id",),
    RULES: ("is_enabled", "scope_type"),
    RULE_STATE: ("device_id",),
    ALARMS: ("status", "severity", "device_id", "rule_id", "open_key"),
    ALARM_EVENTS: ("alarm_id",),
    POLICIES: ("is_enabled",),
    DELIVERIES: ("channel_type", "status", "hook_delivery"),
}

COUNTERS = "wayscloud:iot"
"""Counter namespace: device counts per tenant, message and datapoint tallies per hour/day/month."""
MAX_RULES = 200
"""Rules (and policies, channels) one tenant may have; evaluation reads them all on each message."""


@dataclass(frozen=True, slots=True)
class Scope:
    twin: Twin
    tenant: str

    @classmethod
    def of(cls, ctx: RequestContext) -> Scope:
        return cls(ctx.twin, ctx.tenant)

    def col(self, name: str) -> Collection:
        return self.twin.collection(self.tenant, name)

    def shared(self, name: str) -> Collection:
        return self.twin.collection(SHARED_TENANT, name)

    @property
    def now(self) -> float:
        return self.twin.clock.now()

    def iso(self, at: float | None = None) -> str:
        return self.twin.clock.iso(at)

    def counters(self, key: str) -> dict[str, int]:
        return self.twin.store.counters(COUNTERS, f"{self.tenant}\n{key}")

    def counters_many(self, keys: list[str]) -> dict[str, dict[str, int]]:
        """``counters`` of each of ``keys``, in one look-up."""
        prefix = f"{self.tenant}\n"
        found = self.twin.store.counters_many(COUNTERS, [prefix + k for k in keys])
        return {k: found[prefix + k] for k in keys}

    def add(self, key: str, deltas: dict[str, int]) -> None:
        self.twin.store.adjust(COUNTERS, f"{self.tenant}\n{key}", deltas)


def new_id() -> str:
    return str(uuid.uuid4())


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def key(*parts: str) -> str:
    return "\n".join(parts)


def found(record: dict[str, Any] | None, what: str, ident: str, field: str) -> dict[str, Any]:
    """``record``, or the API's 404 ("<What> not found"; the id is in the logged message)."""
    if record is None:
        raise NotFound(f"{what} {ident} not found", field=field, details={"detail": f"{what} not found"})
    return record


def bad(field: str, message: str, value: Any = None, kind: str = "value_error") -> ValidationFailed:
    """A 422 naming ``body.<field>`` (dotted for nested fields)."""
    path = tuple(int(p) if p.isdigit() else p for p in field.split("."))
    return ValidationFailed([FieldIssue("body", path, message, kind=kind, value=value)])


def utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, tz=timezone.utc)


def parse_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def check_choice(field: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise bad(field, f"Input should be {', '.join(repr(c) for c in choices)}", value, "enum")
