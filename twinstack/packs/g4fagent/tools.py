"""The tool runtime: upstream's built-in file tools on a real workspace, and HTTP tools; Python tools refused.

Built-ins (``list_dir {path}``, ``read_file {path}``, ``write_file {path, content,
overwrite?}``, ``delete_file {path}``, ``apply_patch {path, diff}``) run in the
project named by ``context.project_id``, or in the tenant's scratch folder
(upstream uses its whole workspace root, every project at once), always through
the workspace's path guard. Their id is their name. A created tool's
``handler`` is ``{type: "http", url, headers?}`` (the arguments POSTed as JSON,
20 s, the JSON answer or ``{text}`` as result) or ``{type: "python", module,
fn}``, which upstream imports and calls: the twin never does and answers
``{ok: false, result: {error: "python handlers are disabled"}}``.

Every invocation answers 200 ``{ok, result}``; a tool's failure is ``ok: false``
with the reason in ``result``, as upstream.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import diffs
from twinstack.packs.g4fagent.errors import ApiError
from twinstack.packs.g4fagent.workspace import Workspace

BUILTINS = ("list_dir", "read_file", "write_file", "delete_file", "apply_patch")
SCRATCH = ".scratch"
"""The tenant's scratch workspace (a project folder never starts with a dot)."""
HTTP_TIMEOUT_S = 20.0
HANDLER_TYPES = ("http", "python")


def builtin(name: str) -> dict[str, Any]:
    return {"id": name, "name": name, "scope": "global", "description": f"Built-in tool: {name}",
            "schema": {"type": "object", "additionalProperties": True}, "builtin": True}


def scratch(twin: Twin, tenant: str) -> Workspace:
    ws = Workspace.at(twin, tenant, SCRATCH)
    ws.create()
    return ws


def _text_arg(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str):
        raise ValueError(f"args.{name} must be a string.")
    return value


def run_builtin(ws: Workspace, name: str, args: dict[str, Any]) -> tuple[bool, Any]:
    """``(ok, result)`` of a built-in tool in ``ws``."""
    try:
        if name == "list_dir":
            path = args.get("path", ".")
            return True, {"entries": ws.tree(path if isinstance(path, str) else ".", 1, False)}
        path = _text_arg(args, "path")
        if name == "read_file":
            content, etag = ws.read(path)
            return True, {"path": path, "content": content, "etag": etag}
        if name == "write_file":
            content = _text_arg(args, "content")
            if not args.get("overwrite", False) and ws.resolve(path).exists():
                return False, {"error": f"File exists: {path} (pass overwrite: true to replace it)."}
            return True, {"path": path, "etag": ws.write(path, content), "bytes": len(content.encode())}
        if name == "delete_file":
            ws.delete(path)
            return True, {"path": path, "deleted": True}
        patch = _text_arg(args, "diff")
        if not patch.lstrip().startswith(("---", "diff ")):
            patch = f"--- a/{path}\n+++ b/{path}\n{patch}"
        if not diffs.apply(ws, patch if patch.endswith("\n") else patch + "\n"):
            return False, {"error": "The patch does not apply: its context does not match the file."}
        return True, {"path": path, "applied": True}
    except ApiError as error:
        return False, {"error": error.message, "code": error.code}
    except ValueError as error:
        return False, {"error": str(error)}


async def run_handler(handler: dict[str, Any], args: dict[str, Any]) -> tuple[bool, Any]:
    """``(ok, result)`` of a created tool."""
    kind = str(handler.get("type") or "")
    if kind == "python":
        return False, {"error": "python handlers are disabled"}
    if kind != "http":
        return False, {"error": f"Unsupported handler type: {kind or '(none)'}"}
    url = handler.get("url")
    headers = handler.get("headers") or {}
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return False, {"error": "handler.url must be an http(s) URL."}
    import httpx  # on first use: it costs the start about 0.1 s (only http tool handlers need it)

    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as http:
            answer = await http.post(url, json=args, headers={str(k): str(v) for k, v in dict(headers).items()})
    except httpx.HTTPError as error:
        return False, {"error": f"HTTP tool call failed: {error}"}
    try:
        result: Any = answer.json()
    except ValueError:
        result = {"text": answer.text}
    return answer.is_success, result
