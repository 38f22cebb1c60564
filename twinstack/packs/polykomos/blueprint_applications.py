"""Blueprint applications: a blueprint's SQL run for real in a database, as one transaction.

An application is stored ``pending`` with its SQL already substituted (so later
edits of the blueprint do not change it), then run: ``pending -> running ->
completed | rolled_back | failed``. The statements, split by the dialect's real
parser, run in order as the database's own login, in one transaction
(``Provisioner.run_in_transaction``), each limited by the application's
``timeout`` (the server's statement timeout):

- **PostgreSQL**: DDL is transactional. The first failing statement rolls
  everything back: ``rolled_back``, ``statements_succeeded`` = the statements
  before it (undone with it), ``statements_failed: 1``, ``error_message`` = the
  server's message.
- **MySQL/MariaDB**: DDL commits implicitly and cannot be rolled back. The
  driver reads from the server which statements became permanent
  (``committed`` in each log entry). A failure after such a statement is
  reported as ``failed`` (not ``rolled_back``), and the message says how many
  statements stay committed; with nothing committed it is ``rolled_back``.
- **dry_run**: PostgreSQL runs everything and then forces a rollback (a last
  statement that raises), so the schema is unchanged and the result is
  ``completed`` with ``is_dry_run: true`` when every statement worked. MySQL
  cannot undo DDL, so its dry run happens in a scratch database (a fresh,
  empty one with its own login), dropped afterwards.

Applications emit ``blueprint_application.completed`` or ``.failed`` (for
``rolled_back`` and ``failed``); dry runs emit nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid as uuidlib
from typing import TYPE_CHECKING, Any

from twinstack.drivers.databases import ConnectionInfo, DatabaseDriverError, Provisioner, RunResult
from twinstack.engine.pack import PackJob
from twinstack.engine.state import Collection
from twinstack.packs.polykomos import blueprint_records, database_records, events
from twinstack.packs.polykomos.blueprint_validation import validate
from twinstack.packs.polykomos.blueprint_variables import VariableError, resolve, substitute
from twinstack.packs.polykomos.system_blueprints import system_blueprint
from twinstack.packs.polykomos.runtime import runtime_of
from twinstack.store import Job

if TYPE_CHECKING:
    from twinstack.engine.twin import Twin

log = logging.getLogger("twinstack.polykomos")

COLLECTION = "blueprint_applications"
APPLY_KIND = "polykomos.apply"
DRY_RUN_SENTINEL = "DO $twinstack_dry_run$ BEGIN RAISE EXCEPTION 'twinstack dry run: rolling back'; END $twinstack_dry_run$"
LOG_STATEMENT_CHARS = 200
DEFAULT_TIMEOUT = 30
"""Seconds each statement may take (the document's default ``timeout``)."""

PUBLIC_FIELDS = (
    "object", "id", "blueprint_id", "blueprint_version", "database_instance_id", "status", "is_dry_run",
    "execution_log", "total_duration_ms", "statements_total", "statements_succeeded", "statements_failed",
    "error_message", "variable_values", "started_at", "completed_at", "created_at", "database_uuid", "blueprint_uuid",
)


def of_tenant(twin: Twin, tenant: str) -> Collection:
    """``tenant``'s blueprint applications."""
    return twin.collection(tenant, COLLECTION)


def view(record: dict[str, Any]) -> dict[str, Any]:
    """The API's ``BlueprintApplication`` (plus the database's and blueprint's UUIDs)."""
    return {name: record.get(name) for name in PUBLIC_FIELDS}


def prepare(blueprint: dict[str, Any], given: dict[str, Any] | None, dialect: str) -> tuple[str, dict[str, Any]]:
    """The blueprint's SQL with its variables substituted for ``dialect``, and the values used.

    Raises ``VariableError`` naming the variable that is missing or cannot be placed.
    """
    sql = str(blueprint.get("sql_content") or "")
    values = resolve(blueprint.get("variables"), given, sql)
    return substitute(sql, values, "mysql" if dialect == "mysql" else "postgres"), values


async def apply_on_create(twin: Any, tenant: str, database: dict[str, Any]) -> dict[str, Any] | None:
    """Apply the blueprint named on create, once the database is active; a failure leaves the database active."""
    wanted = database.get("_blueprint") or {}
    blueprint_uuid = str(wanted.get("uuid") or "")
    blueprint = twin.collection(tenant, blueprint_records.COLLECTION).get(blueprint_uuid) or system_blueprint(
        blueprint_uuid
    )
    if blueprint is None:
        log.warning("blueprint %s of database %s is gone; not applied", blueprint_uuid, database["uuid"])
        return None
    try:
        sql, values = prepare(blueprint, wanted.get("variables"), database["db_type"])
    except VariableError as exc:
        log.warning("blueprint %s not applied to %s: %s", blueprint_uuid, database["uuid"], exc.message)
        return None
    record = new_application(twin, tenant, database, blueprint, sql, values, False, DEFAULT_TIMEOUT)
    return await run(twin, tenant, int(record["id"]))


def new_application(
    twin: Any, tenant: str, database: dict[str, Any], blueprint: dict[str, Any], sql: str,
    values: dict[str, Any], dry_run: bool, timeout: int,
) -> dict[str, Any]:
    """Store a ``pending`` application of ``sql`` (already substituted) and return it."""
    number = twin.next_number("blueprint_applications")
    record = {
        "_id": str(number), "_sql": sql, "_timeout": timeout,
        "object": "blueprint_application", "id": number, "blueprint_id": blueprint["_number"],
        "blueprint_version": blueprint["version"], "database_instance_id": database["_number"], "status": "pending",
        "is_dry_run": dry_run, "execution_log": None, "total_duration_ms": None, "statements_total": 0,
        "statements_succeeded": 0, "statements_failed": 0, "error_message": None, "variable_values": values,
        "started_at": None, "completed_at": None, "created_at": twin.clock.iso(),
        "database_uuid": database["uuid"], "blueprint_uuid": blueprint["uuid"],
    }
    of_tenant(twin, tenant).insert(str(number), record)
    return record


def schedule(twin: Any, tenant: str, application_id: int) -> None:
    twin.scheduler.schedule(APPLY_KIND, 0, service=twin.slug, tenant=tenant, payload={"id": application_id},
                            job_id=f"polykomos:apply:{application_id}")


async def run(twin: Any, tenant: str, application_id: int) -> dict[str, Any] | None:
    """Run a pending application to its end; the record afterwards."""
    record = _take(twin, tenant, application_id)
    if record is None or record["status"] != "running":
        return record
    database = database_records.of_tenant(twin, tenant).get(record["database_uuid"])
    info = database_records.connection(database) if database is not None else None
    provisioner = runtime_of(twin).slot(database["db_type"]).provisioner if database is not None else None
    if database is None or info is None or provisioner is None:
        return _finish(twin, tenant, record, "failed", error="the database is no longer available")
    report = validate(record["_sql"], database["db_type"])
    record["statements_total"] = report.statement_count
    if not report.valid:
        return _finish(twin, tenant, record, "failed", error="blueprint SQL is not valid: " + "; ".join(report.errors))
    statements = [s.text for s in report.statements]
    try:
        if record["is_dry_run"] and info.engine == "mysql":
            result = await _in_scratch_database(provisioner, database, statements, record["_timeout"])
        else:
            extra = [DRY_RUN_SENTINEL] if record["is_dry_run"] else []
            result = await asyncio.to_thread(
                provisioner.run_in_transaction, info, [*statements, *extra], record["_timeout"] * 1000
            )
    except DatabaseDriverError as exc:
        return _finish(twin, tenant, record, "failed", error=f"could not run the blueprint: {exc.message}")
    return _conclude(twin, tenant, record, result, len(statements))


async def _in_scratch_database(
    provisioner: Provisioner, database: dict[str, Any], statements: list[str], timeout: int
) -> RunResult:
    scratch = await asyncio.to_thread(
        provisioner.create, f"dryrun-{database['db_name']}"[:40], unique_id=str(uuidlib.uuid4()), connection_limit=2
    )
    try:
        info = ConnectionInfo(scratch.engine, scratch.host, scratch.port, scratch.database, scratch.username,
                              scratch.password)
        return await asyncio.to_thread(provisioner.run_in_transaction, info, statements, timeout * 1000)
    finally:
        await asyncio.to_thread(provisioner.drop, scratch.database, scratch.username)


def _conclude(twin: Any, tenant: str, record: dict[str, Any], result: RunResult, real: int) -> dict[str, Any]:
    entries = result.statements[:real]
    record["execution_log"] = [
        {"index": s.index, "statement": s.sql[:LOG_STATEMENT_CHARS], "status": s.status,
         "duration_ms": s.duration_ms, "rows_affected": s.rows_affected, "error": s.error, "error_code": s.error_code,
         "committed": s.committed and not record["is_dry_run"]}
        for s in entries
    ]
    record["total_duration_ms"] = int(round(sum(s.duration_ms for s in entries)))
    record["statements_succeeded"] = sum(1 for s in entries if s.status == "succeeded")
    failed = next((s for s in entries if s.status == "failed"), None)
    record["statements_failed"] = 1 if failed is not None else 0
    if failed is None and result.commit_error is not None:
        return _finish(twin, tenant, record, "rolled_back", error=f"COMMIT failed: {result.commit_error}")
    if failed is None:
        return _finish(twin, tenant, record, "completed")
    kept = [s for s in entries if s.committed]
    message = f"statement {failed.index + 1} failed: {failed.error}"
    if kept and not record["is_dry_run"]:
        message += (f"; {len(kept)} statement(s) before it were committed implicitly by MySQL (DDL) and stay: "
                    "the database is partly changed")
        return _finish(twin, tenant, record, "failed", error=message)
    return _finish(twin, tenant, record, "rolled_back", error=message + "; every statement was rolled back")


def _take(twin: Any, tenant: str, application_id: int) -> dict[str, Any] | None:
    applications = of_tenant(twin, tenant)
    with twin.store.transaction():
        record = applications.get(str(application_id))
        if record is None or record["status"] != "pending":
            return record
        record["status"], record["started_at"] = "running", twin.clock.iso()
        applications.put(str(application_id), record)
    return record


def _finish(twin: Any, tenant: str, record: dict[str, Any], status: str, *, error: str | None = None) -> dict[str, Any]:
    record["status"], record["error_message"], record["completed_at"] = status, error, twin.clock.iso()
    if record["execution_log"] is None:
        record["execution_log"] = []
    if record["total_duration_ms"] is None:
        record["total_duration_ms"] = 0
    of_tenant(twin, tenant).put(record["_id"], record)
    if not record["is_dry_run"]:
        kind = "completed" if status == "completed" else "failed"
        events.emit(twin, tenant, f"blueprint_application.{kind}", view(record))
    return record


async def run_application(twin: Any, job: Job) -> None:
    await run(twin, job.tenant, int(job.payload["id"]))


JOBS: dict[str, PackJob] = {APPLY_KIND: run_application}
"""For ``Pack.jobs``."""
