"""Databases: the per-engine list names the tenant's databases of that engine."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, ValidationFailed

ENGINES = ("postgresql", "mariadb")
_COLLECTION = "/v1/databases"


async def list_databases_of_type(ctx: RequestContext) -> Any:
    db_type = str(ctx.path.get("db_type", ""))
    if db_type not in ENGINES:
        raise ValidationFailed([FieldIssue("path", ("db_type",), "Input should be 'postgresql' or 'mariadb'", "enum",
                                           db_type)])
    names = [str(d.get("name") or d.get("_id")) for d in ctx.store.list(ctx.slug, ctx.tenant, _COLLECTION)
             if d.get("db_type") == db_type]
    return {"db_type": db_type, "databases": names}


HANDLERS: dict[str, Handler] = {"list_databases_v1_databases__db_type__get": list_databases_of_type}
