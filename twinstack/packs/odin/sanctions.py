"""ODIN sanctions: moderation records that are never deleted, only revoked or left to expire.

A sanction is stored with its project and a private ``_state`` (``active``,
``revoked``, ``expired``) that lists filter on through an index. ``status`` and
``isActive`` are computed on every read from that state and the twin clock:
a sanction whose ``endAt`` has passed reads ``expired`` at once, and a durable
job scheduled for ``endAt`` moves ``_state`` there too, so ``activeOnly``
lists stop showing it when the clock passes that moment (clock advances
included). Expiry emits no event (nothing public says Cortex sends one).
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.state import Collection
from twinstack.engine.twin import Twin
from twinstack.packs.odin.participants import PARTICIPANTS
from twinstack.store import Job

SANCTIONS = "sanctions"
INDEXES: dict[str, tuple[str, ...]] = {SANCTIONS: ("_projectId", "_state", "externalUserId", "participantId", "type")}
EXPIRE_JOB = "odin.sanctions.expire"
PARTICIPANT_INFO = ("id", "projectId", "displayName", "externalUserId", "userData", "joinedAt")


def sanctions(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, SANCTIONS)


def expire_job_id(sanction_id: str) -> str:
    return f"odin:sanction-expiry:{sanction_id}"


def status_of(record: dict[str, Any], now: float) -> str:
    if record.get("_state") == "revoked":
        return "revoked"
    end = record.get("_endAt")
    if record.get("_state") == "expired" or (end is not None and float(end) <= now):
        return "expired"
    return "active"


def view(twin: Twin, tenant: str, record: dict[str, Any], participants: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """What the API shows of a sanction at this moment, its participant embedded when it still exists."""
    now = twin.clock.now()
    shown = {k: v for k, v in record.items() if not k.startswith("_")}
    status = status_of(record, now)
    shown["status"] = status
    shown["isActive"] = status == "active" and float(record["_startAt"]) <= now
    participant_id = record.get("participantId")
    if participant_id:
        known = participants if participants is not None else twin.collection(tenant, PARTICIPANTS).get_many([str(participant_id)])
        person = known.get(str(participant_id))
        if person is not None:
            shown["participant"] = {k: person[k] for k in PARTICIPANT_INFO if k in person}
    return shown


def views(twin: Twin, tenant: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Many sanctions at once, their participants read in one look-up."""
    wanted = {str(r["participantId"]) for r in records if r.get("participantId")}
    people = twin.collection(tenant, PARTICIPANTS).get_many(wanted) if wanted else {}
    return [view(twin, tenant, r, people) for r in records]


def schedule_expiry(twin: Twin, tenant: str, record: dict[str, Any]) -> None:
    """Run the expiry at ``endAt`` (a new ``endAt`` reschedules the same job; none cancels it)."""
    job_id = expire_job_id(str(record["id"]))
    end = record.get("_endAt")
    if end is None:
        twin.scheduler.cancel(job_id)
        return
    twin.scheduler.schedule(EXPIRE_JOB, float(end) - twin.clock.now(), service=twin.slug, tenant=tenant,
                            payload={"sanctionId": record["id"]}, job_id=job_id)


def expire(twin: Twin, job: Job) -> None:
    """The expiry job: an active sanction whose end has come becomes ``expired``."""
    store = sanctions(twin, job.tenant)
    with twin.store.transaction():
        record = store.get(str(job.payload.get("sanctionId", "")))
        if record is None or record.get("_state") != "active":
            return
        end = record.get("_endAt")
        if end is None or float(end) > twin.clock.now():
            return
        store.put(str(record["id"]), {**record, "_state": "expired"})


JOBS = {EXPIRE_JOB: expire}
