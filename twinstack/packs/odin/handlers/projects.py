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
    found = projects(ctx.store, ctx.slug, ctx.tenant)
    key = api_key_of(ctx)
    only = key.data.get("projectId") if key is not None else None
    return [p for p in found if only is None or p.get("id") == only]


HANDLERS: dict[str, Handler] = {"listApps": list_apps}
