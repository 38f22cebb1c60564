"""Tag "Natural Language Queries": ``POST /query_executions`` turns a question into SQL and runs it for real.

The question is translated over the database's schema as the server reports
it now (``nl_translator.py``); with ``TWINSTACK_POLYKOMOS_LLM_URL`` set, what the
translator cannot read goes to that OpenAI-compatible endpoint
(``llm_translator.py``). The SQL runs as the database's own login, in one
transaction, with a 30 s statement timeout, so privileges, read-only mode and
quotas are the server's. It is not read-only: the document returns
``affectedRows`` for writes and ``statementsExecuted`` for DDL.

Answers:

- 200 ``{success: true, sql, result, query_id}``; ``sql`` is what actually ran;
- 404 ``database_uuid`` unknown (or another tenant's);
- 422 ``query_not_understood`` (naming ``query``) or ``database_not_ready``;
- 429 ``connection_limit_reached`` when the server refuses the login (the
  database's connection quota is used up), with ``Retry-After``;
- 500 ``query_execution_failed``, the document's answer when the SQL fails in
  the database: ``details {sql, query_id, sqlstate}`` and the server's message.
  This is the one 5xx the twin gives on purpose: the failure is the
  database's, reported as the document says, never a bug of the twin.

Every execution, failed ones too, gets a ``query_id`` and is kept in the state
(collection ``query_executions``) with its question, SQL and outcome.
"""

from __future__ import annotations

import asyncio
from typing import Any

from twinstack.drivers.databases import DatabaseDriverError, LoginRefused, RunResult
from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import TwinError
from twinstack.packs.polykomos import database_records as records
from twinstack.packs.polykomos import llm_translator
from twinstack.packs.polykomos.nl_translator import NotUnderstood, Translation, translate
from twinstack.packs.polykomos.query_results import MAX_ROWS, shape
from twinstack.packs.polykomos.runtime import runtime_of
from twinstack.packs.polykomos.sql_parsing import Dialect, parse

COLLECTION = "query_executions"
STATEMENT_TIMEOUT_MS = 30_000
RETRY_AFTER_SECONDS = 1


async def create_query_execution(ctx: RequestContext) -> Any:
    body: dict[str, Any] = ctx.body if isinstance(ctx.body, dict) else {}
    database = records.load(ctx, str(body["database_uuid"]), field="database_uuid")
    info = records.connection(database)
    provisioner = runtime_of(ctx.twin).slot(database["db_type"]).provisioner
    if info is None or provisioner is None:
        raise TwinError(f"The database is not ready for queries: {database['status']}", code="database_not_ready",
                        status=422, field="database_uuid", details={"status": database["status"]})
    dialect: Dialect = "mysql" if database["db_type"] == "mysql" else "postgres"
    question = str(body["query"])
    query_id = ctx.twin.next_number("query_executions")
    try:
        tables = await asyncio.to_thread(provisioner.introspect, database["db_name"])
        translation = await _translate(question, tables, dialect)
    except NotUnderstood as exc:
        raise TwinError(f"Could not turn the query into SQL: {exc}", code="query_not_understood", status=422,
                        field="query") from exc
    except DatabaseDriverError as exc:
        return _failed(ctx, query_id, database, question, "", f"could not read the database's schema: {exc.message}",
                       exc.code)
    statements = [s.text for s in parse(translation.sql, dialect).statements] or [translation.sql]
    try:
        run = await asyncio.to_thread(
            provisioner.run_in_transaction, info, statements, STATEMENT_TIMEOUT_MS, max_rows=MAX_ROWS + 1
        )
    except LoginRefused as exc:
        raise TwinError(f"The database refused the connection: {exc.message}", code="connection_limit_reached",
                        status=429, headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                        details={"retry_after": RETRY_AFTER_SECONDS}) from exc
    except DatabaseDriverError as exc:
        return _failed(ctx, query_id, database, question, translation.sql, exc.message, exc.code)
    failure = run.failed
    if failure is not None or run.commit_error is not None:
        message = failure.error if failure is not None else f"COMMIT failed: {run.commit_error}"
        return _failed(ctx, query_id, database, question, translation.sql, message or "the statement failed",
                       failure.error_code if failure is not None else None)
    result = shape(run)
    _keep(ctx, query_id, database, question, translation, "succeeded", result=result)
    return Reply({"success": True, "sql": translation.sql, "result": result, "query_id": query_id})


async def _translate(question: str, tables: Any, dialect: Dialect) -> Translation:
    try:
        return translate(question, tables, dialect)
    except NotUnderstood:
        if not llm_translator.configured():
            raise
        return await llm_translator.translate(question, tables, dialect)


def _failed(ctx: RequestContext, query_id: int, database: dict[str, Any], question: str, sql: str, message: str,
            sqlstate: str | None) -> Reply:
    _keep(ctx, query_id, database, question, Translation(sql, ""), "failed", error=message)
    details = {"sql": sql, "query_id": query_id, "sqlstate": sqlstate}
    body = {"error": {"code": "query_execution_failed", "message": f"Query execution failed: {message}",
                      "details": details}}
    return Reply(body, status=500)


def _keep(ctx: RequestContext, query_id: int, database: dict[str, Any], question: str, translation: Translation,
          status: str, *, result: dict[str, Any] | None = None, error: str | None = None) -> None:
    record = {"id": query_id, "database_uuid": database["uuid"], "query": question, "sql": translation.sql,
              "translated_by": translation.how, "status": status, "error": error,
              "row_count": (result or {}).get("rowCount"), "created_at": ctx.clock.iso()}
    ctx.collection(COLLECTION).put(str(query_id), record)


HANDLERS: dict[str, Handler] = {"createQueryExecution": create_query_execution}
