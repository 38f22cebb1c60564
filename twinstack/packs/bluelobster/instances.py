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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from twinstack.packs.bluelobster.records import Account, Record

COLLECTION = "instances"
CREATING, RENTED, TERMINATING, DELETED = "creating", "rented", "terminating", "deleted"
ACTIVE = (CREATING, RENTED)
"""Lifecycle states the API still shows ("active" instances)."""
RUNNING, STOPPED, UNKNOWN = "running", "stopped", "unknown"
INDEXED = ("status", "name", "team_id")
"""Fields instances are looked up by (``pack.INDEXES``)."""
DEPARTED = "instances_departed"
"""One row per deleted instance, written at its deletion, found by the 30-day period it left in (the instance log)."""
DEPARTED_INDEXED = ("period", "team_id")
GONE_PERIOD_SECONDS = 30 * 86_400.0

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
    held = account.held.get(instance_id)
    return held if held is not None else account.collection(COLLECTION).get(instance_id)


def save(account: Account, instance: Record, at: float | None = None) -> None:
    """Store ``instance``, stamping ``updated_at`` with ``at`` (default now); a held one is stored by its holder."""
    instance["updated_at"] = account.iso(account.now() if at is None else at)
    if str(instance["uuid"]) not in account.held:
        account.collection(COLLECTION).put(str(instance["uuid"]), instance)


@contextmanager
def holding(account: Account, instance: Record) -> Iterator[None]:
    """Within the block ``instance`` is read and changed in hand, not in the store; the holder stores it after.

    A launch holds its new instance while the creation task is queued: when that task ends at once
    (``--speed instant``), its effects land on the record before it is first written, so it is written once.
    """
    instance_id = str(instance["uuid"])
    account.held[instance_id] = instance
    try:
        yield
    finally:
        del account.held[instance_id]


def is_active(instance: Record) -> bool:
    return instance.get("status") in ACTIVE


def visible_to(instance: Record, team_id: str | None) -> bool:
    """A team-scoped key sees only its team's instances; an account key sees all."""
    return team_id is None or instance.get("team_id") == team_id


def all_active(account: Account, team_id: str | None = None) -> list[Record]:
    """The instances ``GET /instances`` lists: not deleted, newest first (a team's only, for a team key)."""
    where: dict[str, object] = {"status": list(ACTIVE)}
    if team_id is not None:
        where["team_id"] = team_id
    return account.collection(COLLECTION).find(where, newest_first=True).items


def public(instance: Record) -> dict[str, Any]:
    """The ``VMInstance`` of the document."""
    return {k: instance.get(k) for k in _SHOWN}


def name_taken(account: Account, name: str, except_id: str | None = None) -> bool:
    """Whether another active instance of the account already has ``name`` ("unique within your account")."""
    same = account.collection(COLLECTION).find({"name": name, "status": list(ACTIVE)}, limit=2).items
    return any(i.get("uuid") != except_id for i in same)


def mark_deleted(account: Account, instance: Record, at: float) -> None:
    """The instance is gone at ``at``; it stays stored for the instance log and the account's backups.

    Its departure is noted by period (``DEPARTED``) only now, so a live instance carries no index for the log.
    """
    instance.update(status=DELETED, power_status=STOPPED, _deleted_at=at, _booted_at=None)
    account.collection(DEPARTED).put(str(instance["uuid"]), {
        "instance_id": instance["uuid"], "period": int(at // GONE_PERIOD_SECONDS), "team_id": instance.get("team_id"),
    })


def existed_during(account: Account, start: float, end: float, team_id: str | None = None) -> list[Record]:
    """Every instance whose lifetime overlaps [start, end] (deleted ones included), newest first.

    Those not deleted yet, plus those deleted since ``start``: found through the periods they
    departed in, from the later of ``start`` and the account's creation up to now.
    """
    instances = account.collection(COLLECTION)
    now = account.now()
    tenant = account.store.get_tenant(account.tenant)
    since = max(start, float(tenant["created_at"]) if tenant else start)
    periods = list(range(int(since // GONE_PERIOD_SECONDS), int(now // GONE_PERIOD_SECONDS) + 1))
    scope: dict[str, object] = {} if team_id is None else {"team_id": team_id}
    found = instances.find({"status": [*ACTIVE, TERMINATING], **scope}).items
    if periods:
        departed = account.collection(DEPARTED).find({"period": periods, **scope}).items
        found += instances.get_many(str(d["instance_id"]) for d in departed).values()
    lived = [i for i in found if _lived_during(i, start, end, now)]
    return sorted(lived, key=lambda i: float(i["_created"]), reverse=True)


def _lived_during(instance: Record, start: float, end: float, now: float) -> bool:
    gone = instance.get("_deleted_at")
    return float(instance["_created"]) <= end and (float(gone) if gone is not None else now) >= start


def uptime(instance: Record, now: float) -> float:
    """Seconds since the last boot; 0 when not running."""
    booted = instance.get("_booted_at")
    if instance.get("power_status") != RUNNING or booted is None:
        return 0.0
    return max(0.0, now - float(booted))
