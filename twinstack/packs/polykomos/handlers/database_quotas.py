"""Database quotas, enforced by the database servers themselves.

- ``connection_hard_limit``: the login's (and on PostgreSQL the database's)
  ``CONNECTION LIMIT`` / MySQL's ``MAX_USER_CONNECTIONS``; the server refuses
  the connection past it. ``null`` lifts it. 0 is a limit like any other: the
  server refuses every new login (PostgreSQL ``CONNECTION LIMIT 0``, MySQL a
  locked account). A limit beyond what a server can count (2^31 - 1) is kept
  as given and applied as none. A negative one means nothing and is refused.
- ``storage_hard_limit_gb`` and ``warning_threshold_pct``: measured by
  ``storage.py`` on the twin clock against the server's own size figure. A
  storage limit of 0 holds nothing: the database is over it, hence read-only
  (``paused``), until the limit is raised or cleared. A negative one is refused.

``updateDatabaseQuotas`` changes any of the three (a field left out is kept;
``null`` clears it) and applies the connection limit at once when the
database exists on its server (while it is provisioning, the new values are
used when it is created).
"""

from __future__ import annotations

import asyncio
from typing import Any

from twinstack.drivers.databases import DatabaseDriverError
from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, TwinError, ValidationFailed
from twinstack.packs.polykomos import database_records as records
from twinstack.packs.polykomos import events, storage
from twinstack.packs.polykomos.idempotency import run_idempotent
from twinstack.packs.polykomos.provisioning import server_connection_limit
from twinstack.packs.polykomos.runtime import runtime_of

QUOTA_FIELDS = ("storage_hard_limit_gb", "connection_hard_limit", "warning_threshold_pct")


def check_quotas(quotas: dict[str, Any]) -> None:
    """422 naming the field for a negative limit, which means nothing (the schema allows any number)."""
    issues = []
    for field in ("connection_hard_limit", "storage_hard_limit_gb"):
        limit = quotas.get(field)
        if limit is not None and limit < 0:
            issues.append(FieldIssue("body", (field,), "must be 0 or more, or null for no limit",
                                     "greater_than_equal", limit, {"limit": 0}))
    if issues:
        raise ValidationFailed(issues)


async def update_database_quotas(ctx: RequestContext) -> Any:
    return await run_idempotent(ctx, lambda slot: _update(ctx))


async def _update(ctx: RequestContext) -> Reply:
    record = records.load(ctx, str(ctx.path["uuid"]))
    body: dict[str, Any] = ctx.body if isinstance(ctx.body, dict) else {}
    quotas = dict(record.get("quotas") or {})
    quotas.update({k: body[k] for k in QUOTA_FIELDS if k in body})
    check_quotas(quotas)
    if "connection_hard_limit" in body and records.connection(record) is not None:
        provisioner = runtime_of(ctx.twin).slot(record["db_type"]).provisioner
        try:
            if provisioner is None:
                raise DatabaseDriverError(f"no {record['db_type']} server is configured any more")
            await asyncio.to_thread(
                provisioner.set_connection_limit, record["db_name"], record["db_username"],
                server_connection_limit(quotas),
            )
        except DatabaseDriverError as exc:
            raise TwinError(f"The database server refused the new connection limit: {exc.message}",
                            code="engine_unavailable", status=422, field="connection_hard_limit") from exc
    record = records.load(ctx, record["uuid"])
    record["quotas"] = quotas
    record["updated_at"] = ctx.clock.iso()
    records.save(ctx, record)
    if records.connection(record) is not None:
        record = await storage.sample(ctx.twin, ctx.tenant, record["uuid"]) or record
    events.emit(ctx.twin, ctx.tenant, "database.updated", records.event_view(ctx.twin, record))
    return Reply({"message": "Database quotas updated", "data": records.view(ctx.twin, record, reveal=False)})


HANDLERS: dict[str, Handler] = {"updateDatabaseQuotas": update_database_quotas}
