"""VNC console tickets that really expire, 30 seconds of twin time after they are issued.

A ticket (``PVEVNC:<hex unix time>::<base64 nonce>``, unique per call) is stored
cloud-wide with its instance and expiry, and forgotten by a durable job an hour
after it expires (until then the proxy can still say "expired" rather than
"unknown"). The API only hands tickets out; the
VNC proxy that would accept them is outside the API, so
``POST /_twinstack/bluelobster/console/connect`` plays it: it says whether a
ticket would open the console now (known, not expired, instance running).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from twinstack.errors import TwinError
from twinstack.packs.bluelobster import instances
from twinstack.packs.bluelobster.records import SHARED, Account, Record
from twinstack.packs.bluelobster.task_runner import settle_subject

if TYPE_CHECKING:
    from twinstack.engine.twin import Twin
    from twinstack.store import Job

COLLECTION = "console_tickets"
TICKET_SECONDS = 30.0
"""Twin seconds a ticket stays valid ("typically 30 seconds"); not scaled by ``--speed``."""
FORGET_AFTER_SECONDS = 3600.0
"""How long an expired ticket is still known (as expired)."""
FORGET_JOB = "bluelobster.forget_console_ticket"
VNC_PORT = 5900
HOST_DOMAIN = "bluelobster.ai"


def issue(account: Account, instance: Record) -> dict[str, Any]:
    """A new ticket for a running instance; 400 ``invalid_state`` otherwise."""
    if instance.get("power_status") != instances.RUNNING:
        raise TwinError("Instance must be running to access console", code="invalid_state", status=400)
    now = account.now()
    nonce = base64.b64encode(secrets.token_bytes(24)).decode()
    ticket = f"PVEVNC:{int(now):08X}::{nonce}"
    expires = now + TICKET_SECONDS
    host = f"{instance['host_id']}.{HOST_DOMAIN}"
    key = _key(ticket)
    account.shared(COLLECTION).put(key, {"key": key, "instance_id": instance["uuid"], "tenant": account.tenant,
                                         "host": host, "expires_at": expires})
    account.twin.scheduler.schedule(FORGET_JOB, expires + FORGET_AFTER_SECONDS - now, service=account.slug,
                                    tenant=SHARED, payload={"key": key}, job_id=f"{account.slug}:ticket:{key}")
    return {"instance_id": instance["uuid"], "ticket": ticket, "port": VNC_PORT, "host": host,
            "expires_at": account.iso(expires)}


def connect(account: Account, ticket: str) -> dict[str, Any]:
    """What the VNC proxy decides for ``ticket`` at this moment."""
    record = account.shared(COLLECTION).get(_key(ticket))
    if record is None:
        return {"accepted": False, "reason": "unknown ticket"}
    shown = {"instance_id": record["instance_id"], "host": record["host"],
             "expires_at": account.iso(float(record["expires_at"]))}
    if account.now() >= float(record["expires_at"]):
        return {"accepted": False, "reason": "ticket expired", **shown}
    owner = Account(account.twin, str(record["tenant"]))
    settle_subject(owner, str(record["instance_id"]))
    instance = instances.get(owner, str(record["instance_id"]))
    if instance is None or instance.get("power_status") != instances.RUNNING:
        return {"accepted": False, "reason": "instance not running", **shown}
    return {"accepted": True, **shown}


def run_forget_job(twin: Twin, job: Job) -> None:
    """The ``FORGET_JOB`` handler: drop a ticket expired an hour ago."""
    twin.collection(SHARED, COLLECTION).delete(str(job.payload.get("key")))


def _key(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()
