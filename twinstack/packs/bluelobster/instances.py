"""Instance records: their two state dimensions, and the ``VMInstance`` the API shows.

An instance has a lifecycle status (``creating`` -> ``rented`` ->
``terminating`` -> ``deleted``; the instance log and error messages show it)
and a power status (``unknown`` while provisioning, then ``running`` or
``stopped``). Tasks move both (``provisioning``, ``power``, ``backups``);
this module only keeps the record. An active instance is stored in
``instances``; once its deletion starts it moves to ``instances_gone``, where it
stays for the instance log and the account's backups while the API answers 404
for it. The list reads the first collection whole (it is what the list shows)
and carries no status index.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from twinstack.packs.bluelobster.records import Account, Record

COLLECTION = "instances"
"""The active instances, so ``GET /instances`` is the collection itself, newest first."""
GONE = "instances_gone"
"""Instances being deleted or deleted: moved here when their deletion starts, kept for the log and the backups."""
CREATING, RENTED, TERMINATING, DELETED = "creating", "rented", "terminating", "deleted"
ACTIVE = (CREATING, RENTED)
"""Lifecycle states the API still shows ("active" instances)."""
RUNNING, STOPPED, UNKNOWN = "running", "stopped", "unknown"
INDEXED = ("name", "team_id")
"""Fields active instances are looked up by (``pack.INDEXES``)."""
GONE_INDEXED = ("_gone_period", "team_id")
"""Fields departed instances are looked up by: the 30-day period of the deletion (none while terminating), the team."""
GONE_PERIOD_SECONDS = 30 * 86_400.0

RENAME_RULE = re.compile(r"^[A-Za-z0-9_-]{3,64}$")
RENAME_MESSAGE = "Name must be 3-64 characters, alphanumeric with hyphens/underscores only"

_SHOWN = (
    "uuid", "name", "host_id", "region", "ip_address", "internal_ip", "cpu_cores", "memory", "storage", "gpu_count",
    "gpu_model", "power_status", "created_at", "metadata", "instance_type", "price_cents_per_hour", "team_id",
    "team_name", "access_type", "template_name", "template_display_name", "os_type", "vm_username",
)
"""``VMInstance``'s properties, in the document's order."""
_SHOWN_SET = frozenset(_SHOWN)


def new_record(account: Account, **fields: Any) -> Record:
    """A freshly launched instance: ``creating``, power ``unknown``, its address already reserved."""
    now = account.now()
    stamp = account.iso(now)
    # What the API shows comes first, in the document's order, so ``public`` keeps that order.
    record: Record = dict.fromkeys(_SHOWN)
    record.update(
        status=CREATING, power_status=UNKNOWN, created_at=stamp, updated_at=stamp, _created=now, _booted_at=None,
        _billing_from=None, _deleted_at=None, **fields,
    )
    record["hostname"] = record["name"]
    return record


def get(account: Account, instance_id: str) -> Record | None:
    """The instance, active or departed (``is_active`` tells which)."""
    held = account.held.get(instance_id)
    if held is not None:
        return held
    return account.collection(COLLECTION).get(instance_id) or account.collection(GONE).get(instance_id)


def save(account: Account, instance: Record, at: float | None = None) -> None:
    """Store ``instance``, stamping ``updated_at`` with ``at`` (default now); a held one is stored by its holder."""
    instance["updated_at"] = account.iso(account.now() if at is None else at)
    if str(instance["uuid"]) not in account.held:
        store(account, instance)


def store(account: Account, instance: Record) -> None:
    """Write ``instance`` where its status puts it (an instance that is no longer active leaves ``instances``)."""
    instance_id = str(instance["uuid"])
    if is_active(instance):
        account.collection(COLLECTION).put(instance_id, instance)
        return
    account.collection(GONE).put(instance_id, instance)
    account.collection(COLLECTION).delete(instance_id)


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
    found = account.collection(COLLECTION).find({"team_id": team_id} if team_id is not None else None,
                                                newest_first=True).items
    # A state written before departed instances moved out may still hold some here.
    return [i for i in found if i.get("status") in ACTIVE]


def active_texts(account: Account, team_id: str | None = None) -> list[str]:
    """``all_active`` as the texts stored for the instances, for ``listed`` to show (``twin.views``)."""
    return account.collection(COLLECTION).find_texts({"team_id": team_id} if team_id is not None else None,
                                                     newest_first=True).texts


def listed(instance: Record) -> Record | None:
    """What the list shows of a stored instance: its ``public`` view, or nothing for one no longer active."""
    return public(instance) if instance.get("status") in ACTIVE else None


def of_team(account: Account, team_id: str) -> list[Record]:
    """Every instance of the team, active or departed."""
    where = {"team_id": team_id}
    return [*account.collection(COLLECTION).find(where).items, *account.collection(GONE).find(where).items]


def public(instance: Record) -> dict[str, Any]:
    """The ``VMInstance`` of the document, made of ``instance`` itself: what it does not show is taken out.

    A list shows records read for it alone, so they are trimmed where they are, not copied.
    """
    for key in [k for k in instance if k not in _SHOWN_SET]:
        del instance[key]
    if len(instance) < len(_SHOWN):
        for key in _SHOWN:
            instance.setdefault(key, None)
    return instance


def name_taken(account: Account, name: str, except_id: str | None = None) -> bool:
    """Whether another active instance of the account already has ``name`` ("unique within your account")."""
    same = account.collection(COLLECTION).find({"name": name}, limit=2).items
    return any(i.get("uuid") != except_id and is_active(i) for i in same)


def mark_deleted(instance: Record, at: float) -> None:
    """The instance is gone at ``at``; it stays stored for the instance log and the account's backups."""
    instance.update(status=DELETED, power_status=STOPPED, _deleted_at=at, _booted_at=None,
                    _gone_period=int(at // GONE_PERIOD_SECONDS))


def existed_during(account: Account, start: float, end: float, team_id: str | None = None) -> list[Record]:
    """Every instance whose lifetime overlaps [start, end] (deleted ones included), newest first.

    The active ones, those being deleted, and those deleted since ``start``: found through the
    deletion period, from the later of ``start`` and the account's creation up to now.
    """
    now = account.now()
    tenant = account.store.get_tenant(account.tenant)
    since = max(start, float(tenant["created_at"]) if tenant else start)
    periods = list(range(int(since // GONE_PERIOD_SECONDS), int(now // GONE_PERIOD_SECONDS) + 1))
    scope: dict[str, object] = {} if team_id is None else {"team_id": team_id}
    found = account.collection(COLLECTION).find(scope or None).items
    found += account.collection(GONE).find({"_gone_period": [None, *periods], **scope}).items
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
