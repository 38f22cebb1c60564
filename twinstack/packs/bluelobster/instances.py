"""Instance records: their two state dimensions, and the ``VMInstance`` the API shows.

An instance has a lifecycle status (``creating`` -> ``rented`` ->
``terminating`` -> ``deleted``; the instance log and error messages show it)
and a power status (``unknown`` while provisioning, then ``running`` or
``stopped``). Tasks move both (``provisioning``, ``power``, ``backups``);
this module only keeps the record. A deleted instance stays stored for the
instance log and the account's backups, but the API answers 404 for it.
"""

from __future__ import annotations

import re
from typing import Any

from twinstack.packs.bluelobster.records import Account, Record

COLLECTION = "instances"
CREATING, RENTED, TERMINATING, DELETED = "creating", "rented", "terminating", "deleted"
ACTIVE = (CREATING, RENTED)
"""Lifecycle states the API still shows ("active" instances)."""
RUNNING, STOPPED, UNKNOWN = "running", "stopped", "unknown"

RENAME_RULE = re.compile(r"^[A-Za-z0-9_-]{3,64}$")
RENAME_MESSAGE = "Name must be 3-64 characters, alphanumeric with hyphens/underscores only"

_SHOWN = (
    "uuid", "name", "host_id", "region", "ip_address", "internal_ip", "cpu_cores", "memory", "storage", "gpu_count",
    "gpu_model", "power_status", "created_at", "metadata", "instance_type", "price_cents_per_hour", "team_id",
    "team_name", "access_type", "template_name", "template_display_name", "os_type", "vm_username",
)
"""``VMInstance``'s properties, in the document's order."""


def new_record(account: Account, **fields: Any) -> Record:
    """A freshly launched instance: ``creating``, power ``unknown``, its address already reserved."""
    now = account.now()
    stamp = account.iso(now)
    record: Record = {
        "status": CREATING, "power_status": UNKNOWN, "created_at": stamp, "updated_at": stamp, "team_id": None,
        "team_name": None, "_created": now, "_booted_at": None, "_billing_from": None, "_deleted_at": None,
        **fields,
    }
    record["hostname"] = record["name"]
    return record


def get(account: Account, instance_id: str) -> Record | None:
    return account.get(COLLECTION, instance_id)


def save(account: Account, instance: Record, at: float | None = None) -> None:
    """Store ``instance``, stamping ``updated_at`` with ``at`` (default now)."""
    instance["updated_at"] = account.iso(account.now() if at is None else at)
    account.put(COLLECTION, str(instance["uuid"]), instance)


def is_active(instance: Record) -> bool:
    return instance.get("status") in ACTIVE


def visible_to(instance: Record, team_id: str | None) -> bool:
    """A team-scoped key sees only its team's instances; an account key sees all."""
    return team_id is None or instance.get("team_id") == team_id


def all_active(account: Account, team_id: str | None = None) -> list[Record]:
    """The instances ``GET /instances`` lists: not deleted, newest first."""
    found = [i for i in account.all(COLLECTION) if is_active(i) and visible_to(i, team_id)]
    return sorted(found, key=lambda i: float(i["_created"]), reverse=True)


def public(instance: Record) -> dict[str, Any]:
    """The ``VMInstance`` of the document."""
    return {k: instance.get(k) for k in _SHOWN}


def name_taken(account: Account, name: str, except_id: str | None = None) -> bool:
    """Whether another active instance of the account already has ``name`` ("unique within your account")."""
    return any(i.get("name") == name and i.get("uuid") != except_id for i in account.all(COLLECTION) if is_active(i))


def uptime(instance: Record, now: float) -> float:
    """Seconds since the last boot; 0 when not running."""
    booted = instance.get("_booted_at")
    if instance.get("power_status") != RUNNING or booted is None:
        return 0.0
    return max(0.0, now - float(booted))
