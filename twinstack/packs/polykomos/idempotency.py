"""``Idempotency-Key``: the same key with the same request replays the first answer instead of acting twice.

Semantics (the brief's Stripe-like guess, see the README):

- a record is keyed on (the API key used, method, path, Idempotency-Key) and
  kept 24 hours of twin time, in the state store, so replays survive a restart;
- the same key with the same request (body and query) gets the stored status
  and body again, with ``Idempotent-Replayed: true``; nothing is done twice;
- the same key with a different request gets 422 ``idempotency_key_reused``;
- a key whose first request is still running gets 422 ``idempotency_key_in_use``,
  unless the operation can describe its work in progress (createDatabase
  answers 202 with the database being provisioned);
- only successes are kept: a request refused with an error leaves no record,
  so it can be retried with the same key once the cause is fixed.

A record is reserved atomically (``store.insert``) before the operation runs,
so two concurrent requests with one key cannot both act.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from twinstack.engine.context import Reply, RequestContext
from twinstack.errors import TwinError

HEADER = "Idempotency-Key"
COLLECTION = "polykomos:idempotency"
TTL_SECONDS = 24 * 3600.0


@dataclass(slots=True)
class Slot:
    """The reservation of one key while its first request runs."""

    ctx: RequestContext
    key: str

    def bind(self, resource_id: str) -> None:
        """Note the resource this request is making, so a concurrent retry can describe it."""
        records = self.ctx.collection(COLLECTION)
        record = records.get(self.key)
        if record is not None:
            record["resource"] = resource_id
            records.put(self.key, record)


Action = Callable[[Slot | None], Awaitable[Reply]]
Resume = Callable[[str], Reply]
"""Describes the work in progress on the bound resource (its id), for a retry that arrives meanwhile."""


async def run_idempotent(ctx: RequestContext, action: Action, resume: Resume | None = None) -> Reply:
    """Run ``action`` once per key; replay its success for the same key and request."""
    given = ctx.headers.get(HEADER.lower())
    if not given:
        # Only operations that tolerate a missing key get here without one (see seed_fixes.py).
        return await action(None)
    key = _slot_key(ctx, given)
    fingerprint = _fingerprint(ctx)
    records = ctx.collection(COLLECTION)
    record = records.get(key)
    if record is not None and ctx.now - float(record.get("at", 0)) > TTL_SECONDS:
        records.delete(key)
        record = None
    if record is None:
        reserved = {"fingerprint": fingerprint, "state": "running", "at": ctx.now}
        if not records.insert(key, reserved):
            record = records.get(key)
    if record is not None:
        return _replay(record, fingerprint, resume)
    slot = Slot(ctx, key)
    try:
        reply = await action(slot)
    except BaseException:
        records.delete(key)
        raise
    status = reply.status or 200
    if status >= 300:
        records.delete(key)
        return reply
    done = {"fingerprint": fingerprint, "state": "done", "at": ctx.now, "status": status, "body": reply.body}
    records.put(key, done)
    return reply


def _replay(record: dict[str, Any], fingerprint: str, resume: Resume | None) -> Reply:
    if record.get("fingerprint") != fingerprint:
        raise _key_error(
            "idempotency_key_reused",
            f"This {HEADER} was already used with a different request; use a new key for a new request.",
        )
    if record.get("state") == "done":
        return Reply(record.get("body"), status=int(record.get("status", 200)), headers={"Idempotent-Replayed": "true"})
    resource = record.get("resource")
    if resume is not None and isinstance(resource, str):
        return resume(resource)
    raise _key_error("idempotency_key_in_use", f"A request with this {HEADER} is still being processed; retry shortly.")


def _key_error(code: str, message: str) -> TwinError:
    return TwinError(message, code=code, status=422, field=HEADER, details={"location": "header"})


def _slot_key(ctx: RequestContext, given: str) -> str:
    credential = ctx.principal.credential if ctx.principal is not None else None
    owner = credential.token_hash if credential is not None else ctx.tenant
    material = "\0".join((owner, ctx.operation.method.upper(), _path(ctx), given))
    return hashlib.sha256(material.encode()).hexdigest()


def _path(ctx: RequestContext) -> str:
    return ctx.operation.path + "?" + "&".join(f"{k}={v}" for k, v in sorted(ctx.path.items()))


def _fingerprint(ctx: RequestContext) -> str:
    """The request as far as idempotency is concerned: its JSON body and query, order-insensitive."""
    document = {"body": ctx.body, "query": sorted(ctx.raw_query)}
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)).hexdigest()
