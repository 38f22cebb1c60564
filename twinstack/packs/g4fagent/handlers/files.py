"""Files: the project's real workspace (tree, read, write with etags, batch), text search, lint and format.

Every path goes through the workspace's guard (``workspace.Workspace.resolve``):
absolute, drive and UNC forms, NUL bytes, ``..`` or symlinks leading out,
percent-encoded traversal and ``.git`` are 400 ``invalid_path`` and nothing is
read or written. A write whose ``etag`` is not the current content's is 409
``etag_conflict`` and leaves the file as it was.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent import lint, search
from twinstack.packs.g4fagent.errors import ApiError, invalid_request
from twinstack.packs.g4fagent.handlers.projects import open_workspace
from twinstack.packs.g4fagent.records import body_of, text_list
from twinstack.packs.g4fagent.workspace import Workspace

DEFAULT_DEPTH = 4
MAX_DEPTH = 20
MAX_BATCH = 200
"""Reads, and writes, one batch may hold."""


def _string(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise invalid_request(f"{name} is required.", name)
        return None
    if not isinstance(value, str):
        raise invalid_request(f"{name} must be a string.", name)
    return value


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid_request(f"{name} must be a boolean.", name)
    return value


async def get_tree(ctx: RequestContext) -> dict[str, Any]:
    _, ws = open_workspace(ctx)
    root = ctx.query.get("root")
    root = root if isinstance(root, str) and root else "/"
    depth = ctx.query.get("depth")
    depth = min(max(depth, 1), MAX_DEPTH) if isinstance(depth, int) else DEFAULT_DEPTH
    return {"root": root, "items": ws.tree(root, depth, bool(ctx.query.get("include_hidden")))}


async def get_content(ctx: RequestContext) -> dict[str, Any]:
    _, ws = open_workspace(ctx)
    path = ctx.query.get("path")
    if not isinstance(path, str) or not path:
        raise invalid_request("path is required.", "path")
    content, etag = ws.read(path)
    return {"path": path, "encoding": "utf-8", "text": content, "etag": etag}


async def put_content(ctx: RequestContext) -> dict[str, Any]:
    _, ws = open_workspace(ctx)
    body = body_of(ctx)
    path, content = _string(body, "path"), _string(body, "text")
    assert path is not None and content is not None
    return {"ok": True, "etag": ws.write(path, content, _string(body, "etag", required=False) or None)}


def _items(body: dict[str, Any], name: str) -> list[Any]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid_request(f"{name} must be an array.", name)
    if len(value) > MAX_BATCH:
        raise invalid_request(f"{name} holds more than {MAX_BATCH} items.", name)
    return value


def _failure(error: ApiError) -> dict[str, Any]:
    return {"code": error.code, "message": error.message}


def _batch_read(ws: Workspace, item: Any) -> dict[str, Any]:
    path = item.get("path") if isinstance(item, dict) else None
    try:
        if not isinstance(path, str):
            raise invalid_request("path is required.", "path")
        content, etag = ws.read(path)
    except ApiError as error:
        return {"path": path if isinstance(path, str) else "", "ok": False, "error": _failure(error)}
    return {"path": path, "ok": True, "text": content, "etag": etag}


def _batch_write(ws: Workspace, item: Any) -> dict[str, Any]:
    entry = item if isinstance(item, dict) else {}
    path = entry.get("path")
    try:
        if not isinstance(item, dict):
            raise invalid_request("Each write must be an object.", "writes")
        name, content = _string(entry, "path"), _string(entry, "text")
        assert name is not None and content is not None
        etag = ws.write(name, content, _string(entry, "etag", required=False) or None)
    except ApiError as error:
        return {"path": path if isinstance(path, str) else "", "ok": False, "error": _failure(error)}
    return {"path": path, "ok": True, "etag": etag}


async def post_batch(ctx: RequestContext) -> dict[str, Any]:
    _, ws = open_workspace(ctx)
    # The body is optional; reads happen before writes, and each item answers for itself.
    body = body_of(ctx, empty_ok=True)
    reads, writes = _items(body, "reads"), _items(body, "writes")
    return {"reads": [_batch_read(ws, item) for item in reads], "writes": [_batch_write(ws, item) for item in writes]}


async def post_search(ctx: RequestContext) -> dict[str, Any]:
    _, ws = open_workspace(ctx)
    body = body_of(ctx)
    q = _string(body, "q")
    if not q:
        raise invalid_request("q is required.", "q")
    pattern = search.compile_query(q, use_regex=_flag(body, "regex"), case_sensitive=_flag(body, "case_sensitive"))
    return {"matches": search.search(ws, pattern, text_list(body, "paths"))}


async def post_lint(ctx: RequestContext) -> dict[str, Any]:
    _, ws = open_workspace(ctx)
    paths = text_list(body_of(ctx), "paths", required=True)
    if len(paths) > MAX_BATCH:
        raise invalid_request(f"paths holds more than {MAX_BATCH} items.", "paths")
    return {"diagnostics": lint.lint(ws, paths)}


async def post_format(ctx: RequestContext) -> dict[str, Any]:
    _, ws = open_workspace(ctx)
    # The body's shape is not enforced upstream; the twin reads an optional `paths`.
    body = body_of(ctx, empty_ok=True)
    paths = text_list(body, "paths")
    if len(paths) > MAX_BATCH:
        raise invalid_request(f"paths holds more than {MAX_BATCH} items.", "paths")
    return {"ok": True, "changed": lint.format_files(ws, paths or None)}


HANDLERS: dict[str, Handler] = {
    "post_projects_project_id_lint": post_lint,
    "post_projects_project_id_format": post_format,
    "get_projects_project_id_files_tree": get_tree,
    "get_projects_project_id_files_content": get_content,
    "put_projects_project_id_files_content": put_content,
    "post_projects_project_id_files_batch": post_batch,
    "post_projects_project_id_search": post_search,
}
