"""The ``result`` of a query execution, in the document's shape, from what the database returned.

``type`` is ``select`` (rows came back), ``insert``, ``update``, ``delete``
or ``ddl`` (everything else: CREATE, ALTER, DROP, SET...). A SELECT returns at
most ``MAX_ROWS`` rows (``truncated: true`` when there were more); each row is
an object keyed by column name, with values made JSON-safe (decimals as
numbers, times as ISO 8601, bytes as hex). Writes report ``affectedRows``, DDL
``statementsExecuted``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from twinstack.drivers.databases import RunResult

MAX_ROWS = 100

_WRITES = {"insert": "insert", "update": "update", "delete": "delete", "replace": "insert"}


def statement_type(sql: str, returned_rows: bool) -> str:
    if returned_rows:
        verb = sql.lstrip().split(None, 1)[0].lower() if sql.strip() else ""
        return _WRITES.get(verb, "select")
    first = sql.lstrip().split(None, 1)[0].lower() if sql.strip() else ""
    if first == "with":
        # WITH ... INSERT/UPDATE/DELETE without RETURNING: name it by its main verb.
        lowered = f" {sql.lower()} "
        return next((kind for verb, kind in _WRITES.items() if f" {verb} " in lowered), "select")
    return _WRITES.get(first, "ddl")


def json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def shape(run: RunResult) -> dict[str, Any]:
    """The document's ``result`` for a successful run (the last statement that returned rows wins)."""
    statements = run.statements
    with_rows = [s for s in statements if s.columns is not None]
    last = statements[-1]
    kind = statement_type(last.sql, last.columns is not None)
    result: dict[str, Any] = {"type": kind}
    if with_rows and kind == "select":
        chosen = with_rows[-1]
        rows = chosen.rows or []
        names = chosen.columns or []
        result.update(
            rows=[{name: json_value(v) for name, v in zip(names, row, strict=False)} for row in rows[:MAX_ROWS]],
            rowCount=min(len(rows), MAX_ROWS), truncated=len(rows) > MAX_ROWS, maxRows=MAX_ROWS,
        )
    elif kind in ("insert", "update", "delete"):
        result["affectedRows"] = sum(s.rows_affected or 0 for s in statements)
        if last.columns is not None:
            names = last.columns
            result["rows"] = [{n: json_value(v) for n, v in zip(names, row, strict=False)} for row in (last.rows or [])]
            result["rowCount"] = len(result["rows"])
    else:
        result["statementsExecuted"] = len(statements)
    return result
