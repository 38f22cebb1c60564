"""Running a tenant's statements as one transaction on MySQL/MariaDB, honestly.

MySQL cannot roll back DDL: ``CREATE``, ``ALTER``, ``DROP`` and friends
commit whatever the transaction holds, before they run (so even when they
then fail) and after. Instead of guessing from statement keywords, the run
asks the server: every reply carries the ``SERVER_STATUS_IN_TRANS`` flag, and
when it is clear after a statement nothing of the run is pending any more, so
everything up to there is permanent. After a failure a no-op ``DO 0`` fetches
the flag, since error replies do not carry it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pymysql  # type: ignore[import-untyped]  # ships no type information
from pymysql.constants import SERVER_STATUS  # type: ignore[import-untyped]

from twinstack.drivers.databases.values import RunResult, StatementResult

_TRANSACTION_ABORTED = {1213, 1205}
"""Deadlock (always) and lock-wait timeout (with ``innodb_rollback_on_timeout``) roll the whole transaction
back: the flag then clears without anything having been committed."""


def _in_transaction(session: pymysql.connections.Connection) -> bool:
    return bool(session.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS)


def run_statements(
    session: pymysql.connections.Connection,
    statements: Sequence[str],
    max_rows: int,
) -> RunResult:
    """Run ``statements`` on ``session`` (autocommit off); stop and roll back at the first failure."""
    results = [StatementResult(index=i, sql=s, status="not_run") for i, s in enumerate(statements)]
    run = RunResult(statements=results)
    pending: list[StatementResult] = []
    for result in results:
        code = _run_one(session, result, max_rows)
        if code is None:
            pending.append(result)
            if not _in_transaction(session):
                _settle(pending)
            continue
        if _implicitly_committed(session, code):
            _settle(pending)
        try:
            session.rollback()
        except pymysql.MySQLError:
            pass  # the connection is gone; the server has rolled back already
        return run
    try:
        session.commit()
    except pymysql.MySQLError as exc:
        run.commit_error = str(exc.args[1] if len(exc.args) > 1 else exc)
        return run
    _settle(pending)
    run.committed = True
    return run


def _settle(pending: list[StatementResult]) -> None:
    """Mark the pending statements permanent and start a new pending list."""
    for result in pending:
        result.committed = True
    pending.clear()


def _implicitly_committed(session: pymysql.connections.Connection, code: int) -> bool:
    """After a failed statement: had the server already committed what was pending?"""
    try:
        with session.cursor() as cursor:
            cursor.execute("DO 0")
    except pymysql.MySQLError:
        return False  # connection lost: the server rolled the open transaction back
    return not _in_transaction(session) and code not in _TRANSACTION_ABORTED


def _run_one(session: pymysql.connections.Connection, result: StatementResult, max_rows: int) -> int | None:
    """Execute one statement into ``result``; the server's error number if it failed, else None."""
    started = time.perf_counter()
    try:
        with session.cursor() as cursor:
            cursor.execute(result.sql)
            if cursor.description is not None:
                result.columns = [str(column[0]) for column in cursor.description]
                result.rows = [tuple(row) for row in cursor.fetchmany(max_rows)]
            result.rows_affected = cursor.rowcount if cursor.rowcount >= 0 else None
    except pymysql.MySQLError as exc:
        code = int(exc.args[0]) if exc.args and isinstance(exc.args[0], int) else 0
        result.status = "failed"
        result.error = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        result.error_code = str(code)
        return code
    finally:
        result.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    result.status = "succeeded"
    return None
