"""Repo: the project's real git repository (``repo.py``): status, checkout, pull, commit.

Commits are authored by the calling user (``Name <email>``) at the twin
clock's time, and become the project's ``last_commit``.
"""

from __future__ import annotations

import re
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent import repo, users
from twinstack.packs.g4fagent.handlers.projects import open_workspace, set_last_commit
from twinstack.packs.g4fagent.records import body_of, text, text_list

_UNSAFE = re.compile(r"[<>\r\n]")


def author(ctx: RequestContext) -> str:
    """The calling user as a git identity."""
    user = users.caller(ctx)
    name = _UNSAFE.sub("", str(user.get("name") or user["id"])).strip() or str(user["id"])
    email = _UNSAFE.sub("", str(user.get("email") or "")).strip()
    return f"{name} <{email}>"


def commit_all(ctx: RequestContext, project_id: str, message: str, paths: list[str] | None = None) -> str:
    """Stage and commit in the project's repository as the caller; the hash becomes ``last_commit``."""
    _, ws = open_workspace(ctx, project_id)
    with ws.lock():
        made = repo.commit(ws, message, paths, author(ctx), ctx.now)
    set_last_commit(ctx, project_id, made)
    return made


async def get_status(ctx: RequestContext) -> dict[str, Any]:
    _, ws = open_workspace(ctx)
    return repo.status(ws)


async def post_checkout(ctx: RequestContext) -> dict[str, Any]:
    _, ws = open_workspace(ctx)
    branch = text(body_of(ctx), "branch", required=True)
    with ws.lock():
        repo.checkout(ws, branch)
    return {"ok": True}


async def post_pull(ctx: RequestContext) -> dict[str, Any]:
    project, ws = open_workspace(ctx)
    with ws.lock():
        repo.pull(ws)
    head = repo.head(ws)
    if head and head != project.get("last_commit"):
        set_last_commit(ctx, project["id"], head)
    return {"ok": True}


async def post_commit(ctx: RequestContext) -> dict[str, Any]:
    project, _ = open_workspace(ctx)
    body = body_of(ctx)
    message = text(body, "message", required=True)
    return {"ok": True, "commit": commit_all(ctx, project["id"], message, text_list(body, "paths") or None)}


HANDLERS: dict[str, Handler] = {
    "get_projects_project_id_repo_status": get_status,
    "post_projects_project_id_repo_checkout": post_checkout,
    "post_projects_project_id_repo_pull": post_pull,
    "post_projects_project_id_repo_commit": post_commit,
}
