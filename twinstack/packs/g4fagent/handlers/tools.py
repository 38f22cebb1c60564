"""Tools: the built-in file tools and the tenant's own, listed, created, deleted and invoked (``tools``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent import tools
from twinstack.packs.g4fagent.errors import invalid_request
from twinstack.packs.g4fagent.handlers.projects import PROJECTS
from twinstack.packs.g4fagent.handlers.sessions_messages_runs import listing, page_window
from twinstack.packs.g4fagent.records import Family, body_of, obj, text
from twinstack.packs.g4fagent.workspace import Workspace

TOOLS = Family(noun="tool", collection="/tools", prefix="tool", id_param="tool_id", label="Tool", keyed=("scope",))


async def get_tools(ctx: RequestContext) -> dict[str, Any]:
    limit, offset = page_window(ctx)
    scope = str(ctx.query.get("scope") or "").strip().lower()
    needle = str(ctx.query.get("q") or "").strip().lower()
    # The five built-ins come first, as upstream lists them, then the tenant's tools in creation order.
    builtins = [b for b in (tools.builtin(name) for name in tools.BUILTINS)
                if (not scope or scope == "global")
                and (not needle or needle in b["name"].lower() or needle in b["description"].lower())]
    shown = builtins[offset:offset + limit]
    wanted = limit - len(shown)
    own_query = {**ctx.query, "cursor": max(0, offset - len(builtins)), "limit": max(wanted, 1)}
    own = TOOLS.page(replace(ctx, query=own_query), {}, filters=("scope",), search=("name", "description"))
    if wanted > 0:
        shown += own["items"]
        more = own["next_cursor"] is not None
    else:
        more = bool(own["items"]) or offset + limit < len(builtins)
    return listing(shown, limit, offset, more)


async def post_tools(ctx: RequestContext) -> dict[str, Any]:
    body = body_of(ctx)
    for name in ("name", "scope", "description", "schema", "handler"):
        if name not in body:
            raise invalid_request(f"{name} is required.", name)
    name = text(body, "name", required=True)
    schema, handler = obj(body, "schema"), obj(body, "handler")
    if str(handler.get("type") or "") not in tools.HANDLER_TYPES:
        raise invalid_request("handler.type must be http or python.", "handler.type")
    if handler["type"] == "http" and not str(handler.get("url") or "").startswith(("http://", "https://")):
        raise invalid_request("handler.url must be an http(s) URL.", "handler.url")
    tool = TOOLS.create(ctx, {"name": name, "scope": text(body, "scope", required=True),
                              "description": text(body, "description"), "schema": schema, "handler": handler},
                        updated_at=False)
    return {"tool_id": tool["id"]}


async def delete_tools_tool_id(ctx: RequestContext) -> dict[str, Any]:
    # Built-ins are not stored, so they are "not found" here, as upstream.
    tool = TOOLS.load(ctx)
    TOOLS.remove(ctx, str(tool["id"]))
    return {"ok": True}


async def post_tools_tool_id_invoke(ctx: RequestContext) -> dict[str, Any]:
    tool_id = str(ctx.path.get("tool_id", ""))
    body = body_of(ctx)
    if not isinstance(body.get("args"), dict):
        raise invalid_request("args is required and must be an object.", "args")
    args, context = dict(body["args"]), obj(body, "context")
    if tool_id in tools.BUILTINS:
        project_id = context.get("project_id")
        if project_id:
            project = PROJECTS.load(ctx, str(project_id))
            ws = Workspace.of(ctx.twin, ctx.tenant, project)
        else:
            ws = tools.scratch(ctx.twin, ctx.tenant)
        ok, result = tools.run_builtin(ws, tool_id, args)
        return {"ok": ok, "result": result}
    tool = TOOLS.state(ctx).get(tool_id)
    if tool is None:
        return {"ok": False, "result": {"output": f"Unknown tool: {tool_id}"}}
    ok, result = await tools.run_handler(dict(tool.get("handler") or {}), args)
    return {"ok": ok, "result": result}


HANDLERS: dict[str, Handler] = {
    "get_tools": get_tools,
    "post_tools": post_tools,
    "delete_tools_tool_id": delete_tools_tool_id,
    "post_tools_tool_id_invoke": post_tools_tool_id_invoke,
}
INDEXES: dict[str, tuple[str, ...]] = dict([TOOLS.index()])
