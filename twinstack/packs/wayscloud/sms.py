"""SMS messages: one record per recipient, moving through its delivery states on the twin clock.

An outbound message is ``QUEUED`` (or ``SCHEDULED`` until its time), then
``SENDING`` after 0.5 s, ``SENT`` after 1 s and ``DELIVERED`` after 3 s
(``--speed realistic``; scaled by the clock's factor, so ``instant`` settles
them within the request that sends them). Each keeps the timestamps it reached
(``sent_at``, ``delivered_at``). Numbers of the reserved test range
(``FAILING_PREFIX``: +47 000…, never assigned in Norway) are sent and then end
``FAILED``. A message reaching ``SENT`` is written once to the outbox (channel
``sms``) and counted (``sms_stats``); each status it reaches is POSTed to its
``callback_url`` (``outbound_hooks``).

Messages of one send share a batch; one durable job (``JOB_KIND``) per batch
and step moves them on, so a restart loses nothing. Only the send and its jobs
move a message forward, a cancel only moves ``SCHEDULED``/``QUEUED`` to
``CANCELLED``, so a status never goes back.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from twinstack import outbox
from twinstack.engine.twin import Twin
from twinstack.packs.wayscloud import outbound_hooks, sms_stats
from twinstack.packs.wayscloud.sms_units import count as count_units
from twinstack.store import Job

COLLECTION = "sms/messages"
INDEXES: dict[str, tuple[str, ...]] = {COLLECTION: ("direction", "status", "_day", "_batch")}
JOB_KIND = "wayscloud.sms-progress"
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
FAILING_PREFIX = "+47000"
"""Recipients starting with this are accepted and sent, and then fail (a test range of the twin)."""
FAILED_TEXT = "Delivery failed: the number is not in service"
STEPS = (("SENDING", 0.5), ("SENT", 1.0), ("DELIVERED", 3.0))
"""Each status after ``QUEUED`` and the seconds after queueing it is reached (realistic speed)."""
CANCELLABLE = ("SCHEDULED", "QUEUED")
_MOST_PER_BATCH = 100_000


def phone(text: str) -> str | None:
    """``text`` as an E.164 number (spaces, dashes, dots and brackets dropped; ``00`` read as ``+``), or None."""
    compact = re.sub(r"[\s().-]", "", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if E164.fullmatch(compact) else None


def _plan(start: float, factor: float, number: str) -> list[list[Any]]:
    failing = number.startswith(FAILING_PREFIX)
    steps = [[status, start + seconds * factor] for status, seconds in STEPS]
    if failing:
        steps[-1][0] = "FAILED"
    return steps


def send(
    twin: Twin, tenant: str, recipients: list[str], body: str, *, sender: str, customer_ref: str | None = None,
    callback_url: str | None = None, scheduled_at: float | None = None, message_type: str = "PLAIN",
    related_message_id: str | None = None,
) -> list[dict[str, Any]]:
    """One message per recipient, stored, moved as far as the clock allows now, the rest left to a job."""
    now = twin.clock.now()
    stamp = twin.clock.iso(now)
    units = count_units(body).parts
    batch = uuid.uuid4().hex
    start = now if scheduled_at is None else scheduled_at
    messages = twin.collection(tenant, COLLECTION)
    made: list[dict[str, Any]] = []
    with twin.store.transaction():
        for number in recipients:
            mid = str(uuid.uuid4())
            record: dict[str, Any] = {
                "id": mid, "direction": "OUTBOUND", "message_type": message_type, "from_number": sender,
                "to_number": number, "body": body, "status": "SCHEDULED" if scheduled_at is not None else "QUEUED",
                "units_count": units, "customer_ref": customer_ref, "created_at": stamp,
                "related_message_id": related_message_id, "_day": sms_stats.day_of(now).isoformat(),
                "_batch": batch, "_callback_url": callback_url,
            }
            if scheduled_at is not None:
                record["scheduled_at"] = twin.clock.iso(scheduled_at)
                record["_steps"] = [["QUEUED", scheduled_at], *_plan(start, twin.clock.factor, number)]
            else:
                record["_steps"] = _plan(start, twin.clock.factor, number)
            messages.put(mid, record)
            sms_stats.move_status(twin.store, tenant, None, str(record["status"]))
            made.append(record)
    progress(twin, tenant, batch, made)
    return made


def receive(twin: Twin, tenant: str, from_number: str, to_number: str, body: str) -> dict[str, Any]:
    """An inbound message, ``RECEIVED`` at once and counted."""
    now = twin.clock.now()
    mid = str(uuid.uuid4())
    record: dict[str, Any] = {
        "id": mid, "direction": "INBOUND", "message_type": "PLAIN", "from_number": from_number,
        "to_number": to_number, "body": body, "status": "RECEIVED", "units_count": count_units(body).parts,
        "created_at": twin.clock.iso(now), "delivered_at": twin.clock.iso(now),
        "_day": sms_stats.day_of(now).isoformat(), "_batch": mid, "_steps": [],
    }
    with twin.store.transaction():
        twin.collection(tenant, COLLECTION).put(mid, record)
        sms_stats.move_status(twin.store, tenant, None, "RECEIVED")
        sms_stats.count(twin.store, tenant, now, received=1, received_units=int(record["units_count"]))
    return record


def progress(twin: Twin, tenant: str, batch: str, messages: list[dict[str, Any]] | None = None) -> None:
    """Move the batch's messages through every step due now; schedule the batch's next step."""
    now = twin.clock.now()
    collection = twin.collection(tenant, COLLECTION)
    changes: list[tuple[dict[str, Any], str]] = []
    next_due: float | None = None
    with twin.store.transaction():
        # Read within the transaction, so a cancel made meanwhile is seen, not written over.
        for record in messages if messages is not None else collection.find(
                {"_batch": batch}, limit=_MOST_PER_BATCH).items:
            reached = _advance(twin, tenant, record, now)
            if reached:
                collection.put(str(record["id"]), record)
                changes.extend((record, status) for status in reached)
            steps = record.get("_steps") or []
            if steps and record["status"] != "CANCELLED":
                due = float(steps[0][1])
                next_due = due if next_due is None else min(next_due, due)
        if next_due is not None:
            twin.scheduler.schedule(JOB_KIND, max(0.0, next_due - now), service=twin.slug, tenant=tenant,
                                    payload={"batch": batch}, job_id=f"wayscloud:sms:{tenant}:{batch}")
    for record, status in changes:
        _notify(twin, tenant, record, status)


def _advance(twin: Twin, tenant: str, record: dict[str, Any], now: float) -> list[str]:
    reached: list[str] = []
    steps: list[list[Any]] = list(record.get("_steps") or [])
    if record["status"] == "CANCELLED":
        steps = []
    while steps and float(steps[0][1]) <= now:
        status, at = str(steps[0][0]), float(steps[0][1])
        steps.pop(0)
        sms_stats.move_status(twin.store, tenant, str(record["status"]), status)
        record["status"] = status
        reached.append(status)
        if status == "SENT":
            record["sent_at"] = twin.clock.iso(at)
            sms_stats.count(twin.store, tenant, at, sent=1, units=int(record["units_count"]))
            outbox.send(twin.store, twin.clock, service=twin.slug, tenant=tenant, channel="sms",
                        recipient=str(record["to_number"]), sender=str(record.get("from_number") or ""),
                        body=str(record["body"]), metadata={
                            "message_id": record["id"], "message_type": record["message_type"],
                            "units": record["units_count"], "customer_ref": record.get("customer_ref"),
                            "related_message_id": record.get("related_message_id")})
        elif status == "DELIVERED":
            record["delivered_at"] = twin.clock.iso(at)
            sms_stats.count(twin.store, tenant, at, delivered=1)
        elif status == "FAILED":
            record["error_message"] = FAILED_TEXT
            sms_stats.count(twin.store, tenant, at, failed=1)
    record["_steps"] = steps
    return reached


def cancel(twin: Twin, tenant: str, message_id: str) -> tuple[dict[str, Any] | None, bool]:
    """Cancel the message if it is still cancellable: the message as it is now (None if unknown), and
    whether this call cancelled it."""
    messages = twin.collection(tenant, COLLECTION)
    with twin.store.transaction():
        record = messages.get(message_id)
        if record is None or record["status"] not in CANCELLABLE:
            return record, False
        sms_stats.move_status(twin.store, tenant, str(record["status"]), "CANCELLED")
        record["status"], record["_steps"] = "CANCELLED", []
        messages.put(message_id, record)
    _notify(twin, tenant, record, "CANCELLED")
    return record, True


def _notify(twin: Twin, tenant: str, record: dict[str, Any], status: str) -> None:
    url = record.get("_callback_url")
    if url:
        outbound_hooks.post(twin, tenant, str(url), "sms.status", {
            "message_id": record["id"], "status": status, "to": record["to_number"],
            "customer_ref": record.get("customer_ref"), "timestamp": twin.clock.iso(millis=True),
            "error_message": record.get("error_message") if status == "FAILED" else None,
        })


def view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_") and v is not None}


def run_progress(twin: Twin, job: Job) -> None:
    progress(twin, job.tenant, str(job.payload.get("batch", "")))


JOBS = {JOB_KIND: run_progress}
