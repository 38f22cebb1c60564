"""Tag ``Projects``: the projects the caller can see.

Only the listing is served from the tenant's own records so far; a key
restricted to one project sees just that one.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.odin.access import api_key_of
from twinstack.packs.odin.accounts import projects


async def list_apps(ctx: RequestContext) -> Any:
    key = api_key_of(ctx)
    only = key.data.get("projectId") if key is not None else None
    if only is not None:
        found = projects(ctx.twin, ctx.tenant).get(str(only))
        return [found] if found is not None else []
    # The operation answers every project the caller sees (it has no paging): the read is the answer.
    return projects(ctx.twin, ctx.tenant).find().items


HANDLERS: dict[str, Handler] = {"listApps": list_apps}
