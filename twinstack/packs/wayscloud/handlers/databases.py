"""Databases: the per-engine list names the tenant's databases of that engine."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, ValidationFailed

ENGINES = ("postgresql", "mariadb")
COLLECTION = "/v1/databases"
"""Where the generic create stores databases."""
INDEXES: dict[str, tuple[str, ...]] = {COLLECTION: ("db_type",)}


async def list_databases_of_type(ctx: RequestContext) -> Any:
    db_type = str(ctx.path.get("db_type", ""))
    if db_type not in ENGINES:
        raise ValidationFailed([FieldIssue("path", ("db_type",), "Input should be 'postgresql' or 'mariadb'", "enum",
                                           db_type)])
    # Every database of the engine is the answer (the operation has no paging).
    found = ctx.collection(COLLECTION).find({"db_type": db_type}).items
    return {"db_type": db_type, "databases": [str(d.get("name") or d.get("_id")) for d in found]}


HANDLERS: dict[str, Handler] = {"list_databases_v1_databases__db_type__get": list_databases_of_type}
