"""Diffs: unified diffs created against the project's workspace, listed, applied, discarded, commented.

Parsing and applying live in ``diffs.py``. A diff that does not apply cleanly
answers 200 ``{ok: false, commit: ""}`` and stays ``open``, as upstream; an
applied one cannot be discarded (its change is in the tree) [decision].
The raw patch and the comments are kept private, as upstream keeps them.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent import diffs, repo, users
from twinstack.packs.g4fagent.errors import BAD_INPUT_STATUS, ApiError, invalid_request
from twinstack.packs.g4fagent.handlers.projects import open_workspace
from twinstack.packs.g4fagent.handlers.repo import commit_all
from twinstack.packs.g4fagent.records import Family, body_of, iso, text

DIFFS = Family(noun="diff", collection="/diffs", prefix="diff", id_param="diff_id", label="Diff",
               keyed=("status",), indexed=("project_id",))
MAX_COMMENTS = 1000


def _patch_text(body: dict[str, Any]) -> str:
    value = body.get("patch")
    if value is None or value == "":
        raise invalid_request("patch is required.", "patch")
    if not isinstance(value, str):
        raise invalid_request("patch must be a string.", "patch")
    return value


async def get_diffs(ctx: RequestContext) -> dict[str, Any]:
    project, _ = open_workspace(ctx)
    return DIFFS.page(ctx, {"project_id": project["id"]}, filters=("status",))


async def post_diff(ctx: RequestContext) -> dict[str, Any]:
    project, ws = open_workspace(ctx)
    body = body_of(ctx)
    title = text(body, "title", required=True)
    patch = _patch_text(body)
    files = diffs.parse(ws, patch)
    base_rev = text(body, "base_rev") or "HEAD"
    diff = DIFFS.create(ctx, {
        "project_id": project["id"], "title": title, "status": "open", "stats": diffs.stats(files),
        "files": files, "base_rev": repo.resolve(ws, base_rev) or base_rev, "_patch": patch, "_comments": [],
    }, updated_at=False)
    return {"diff_id": diff["id"]}


async def get_diff(ctx: RequestContext) -> dict[str, Any]:
    return DIFFS.wrap(DIFFS.load(ctx))


async def post_apply(ctx: RequestContext) -> dict[str, Any]:
    diff = DIFFS.load(ctx)
    _, ws = open_workspace(ctx, str(diff["project_id"]))
    # The body is optional; without commit_message the change stays uncommitted.
    message = text(body_of(ctx, empty_ok=True), "commit_message").strip()
    if diff["status"] != "open":
        raise ApiError(BAD_INPUT_STATUS, "invalid_state", "Only open diffs can be applied.")
    if not diffs.apply(ws, str(diff["_patch"])):
        return {"ok": False, "commit": ""}
    diff["status"] = "applied"
    diff["applied_at"] = iso(ctx.now)
    DIFFS.save(ctx, diff)
    commit = ""
    if message:
        try:
            commit = commit_all(ctx, str(diff["project_id"]), message)
        except ApiError as error:
            if error.code != "git_commit_failed":  # a diff that changed nothing leaves nothing to commit
                raise
    return {"ok": True, "commit": commit}


async def post_discard(ctx: RequestContext) -> dict[str, Any]:
    diff = DIFFS.load(ctx)
    if diff["status"] == "applied":
        raise ApiError(BAD_INPUT_STATUS, "invalid_state", "An applied diff cannot be discarded.")
    if diff["status"] != "discarded":
        diff["status"] = "discarded"
        DIFFS.save(ctx, diff)
    return {"ok": True}


async def post_comment(ctx: RequestContext) -> dict[str, Any]:
    diff = DIFFS.load(ctx)
    body = body_of(ctx)
    path = text(body, "path", required=True)
    line = body.get("line")
    if isinstance(line, bool) or not isinstance(line, int):
        raise invalid_request("line must be an integer.", "line")
    comment = text(body, "comment", required=True)
    comments = list(diff.get("_comments") or [])
    if len(comments) >= MAX_COMMENTS:
        raise invalid_request(f"A diff holds at most {MAX_COMMENTS} comments.", "comment")
    comments.append({"path": path, "line": line, "comment": comment, "ts": iso(ctx.now),
                     "author_user_id": str(users.caller(ctx)["id"])})
    diff["_comments"] = comments
    DIFFS.save(ctx, diff)
    return {"ok": True}


HANDLERS: dict[str, Handler] = {
    "get_projects_project_id_diffs": get_diffs,
    "post_projects_project_id_diffs": post_diff,
    "get_diffs_diff_id": get_diff,
    "post_diffs_diff_id_apply": post_apply,
    "post_diffs_diff_id_discard": post_discard,
    "post_diffs_diff_id_comment": post_comment,
}

INDEXES: dict[str, tuple[str, ...]] = dict([DIFFS.index()])
