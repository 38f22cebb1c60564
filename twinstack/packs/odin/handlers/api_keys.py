"""Tag ``API Keys``: keys created, listed and revoked for real.

A created key is shown once (``key``); listings show only ``keyPrefix``. The
key works at once on every operation its scopes and project allow, and gets
401 from the moment it is revoked (a revoked key is gone: listing omits it,
revoking it again is 404). Only a logged-in user (bearer JWT) manages keys.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, Forbidden, NotFound, ValidationFailed
from twinstack.packs.odin.accounts import add_api_key, api_key_view, api_keys, find_api_key, new_key, projects, revoke_api_key
from twinstack.packs.odin.auth import SCOPES


async def list_keys(ctx: RequestContext) -> Any:
    return api_keys(ctx.twin, ctx.tenant)


async def create_key(ctx: RequestContext) -> Any:
    body = ctx.body
    issues = [*_name_issues(body.get("name")), *_scope_issues(body.get("scopes") or [])]
    expires_at, expiry_issues = _expiry(body.get("expiresAt"))
    issues += expiry_issues
    if issues:
        raise ValidationFailed(issues)
    project_id = body.get("projectId")
    if project_id is not None and projects(ctx.twin, ctx.tenant).get(str(project_id)) is None:
        raise Forbidden("No access to this project", code="project_forbidden", field="projectId")
    key = new_key()
    cred = add_api_key(
        ctx.twin, ctx.tenant, key=key, key_id=str(uuid.uuid4()),
        name=str(body["name"]).strip(), scopes=list(dict.fromkeys(body["scopes"])),
        project_id=str(project_id) if project_id is not None else None, expires_at=expires_at,
    )
    return Reply({**api_key_view(cred.data), "key": key}, status=201)


async def revoke_key(ctx: RequestContext) -> Any:
    cred = find_api_key(ctx.twin, ctx.tenant, str(ctx.path["id"]))
    if cred is None:
        raise NotFound("API key not found", field="id")
    revoke_api_key(ctx.twin, cred, ctx.now)
    return {"message": "API key revoked"}


async def get_scopes(ctx: RequestContext) -> Any:
    return list(SCOPES)


def _name_issues(name: Any) -> list[FieldIssue]:
    if isinstance(name, str) and name.strip():
        return []
    return [FieldIssue("body", ("name",), "Field required", "missing", name)]


def _scope_issues(scopes: list[Any]) -> list[FieldIssue]:
    return [
        FieldIssue("body", ("scopes", i), f"{scope!r} is not a known scope", "enum", scope, {"options": list(SCOPES)})
        for i, scope in enumerate(scopes) if scope not in SCOPES
    ]


def _expiry(text: Any) -> tuple[float | None, list[FieldIssue]]:
    """``expiresAt`` as a timestamp; it must be an ISO 8601 date.

    A date already past is accepted and makes a key that is expired from the
    start (401 at once): the document's own example, ``2025-12-31T23:59:59Z``,
    is such a date, so refusing it would refuse the document's example request.
    """
    if text is None:
        return None, []
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None, [FieldIssue("body", ("expiresAt",), f"{text!r} is not a date", "format", text, {"format": "date-time"})]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp(), []


HANDLERS: dict[str, Handler] = {
    "listKeys": list_keys,
    "createKey": create_key,
    "revokeKey": revoke_key,
    "getScopes": get_scopes,
}
