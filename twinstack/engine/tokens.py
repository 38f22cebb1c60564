"""Token and login operations of a document with no pack: they hand out a bearer token that works.

An operation is one when it is a POST whose success response declares a token property
(``access_token``, ``token``, ``id_token``...) and that is open, names itself a token, login,
sign-in, session or OAuth operation, or is the ``tokenUrl`` of an OAuth2 flow. It answers a JWT of
the service (``Twin.issue_jwt``) in the declared shape: the token, ``token_type: Bearer``,
``expires_in``, a refresh token, the scope asked for, and nothing the client sent (a password is
never echoed). The token belongs to the tenant whose credentials the body names (the
``username``/``password`` or ``client_id``/``client_secret`` a tenant was given), else to the
caller's tenant.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from twinstack.engine.context import Reply
from twinstack.engine.security import token_hash

if TYPE_CHECKING:
    from twinstack.engine.context import RequestContext
    from twinstack.engine.twin import Twin
    from twinstack.spec.model import Operation

TOKEN_FIELDS = ("access_token", "accessToken", "token", "id_token", "idToken", "jwt", "auth_token", "authToken",
                "bearer_token", "bearerToken")
_AUTH_WORDS = re.compile(r"token|log-?in|sign-?in|auth|session|oauth", re.IGNORECASE)
TTL = 3600
"""Seconds a handed-out token lives (twin time)."""


def is_token_operation(twin: Twin, op: Operation) -> bool:
    if op.method != "POST":
        return False
    names = twin.declared_names(op) or set()
    if not names & set(TOKEN_FIELDS):
        return False
    if not op.security or _AUTH_WORDS.search(op.path) or _AUTH_WORDS.search(op.operation_id):
        return True
    return op.path in _token_urls(twin)


def _token_urls(twin: Twin) -> set[str]:
    found: set[str] = set()
    for raw in ((twin.spec.doc.get("components") or {}).get("securitySchemes") or {}).values():
        for flow in ((raw or {}).get("flows") or {}).values() if isinstance(raw, dict) else ():
            url = str((flow or {}).get("tokenUrl") or "")
            path = re.sub(r"^[a-z]+://[^/]+", "", url)
            if path:
                found.add(path[len(twin.spec.base_path):] if path.startswith(twin.spec.base_path) else path)
    return found


async def issue(ctx: RequestContext) -> Any:
    body: dict[str, Any] = ctx.body if isinstance(ctx.body, dict) else {}
    tenant, subject = _owner(ctx, body)
    token = ctx.twin.issue_jwt(tenant, subject, TTL)
    answer: dict[str, Any] = {name: token for name in TOKEN_FIELDS}
    answer.update({
        "token_type": "Bearer", "tokenType": "Bearer", "type": "Bearer", "expires_in": TTL, "expiresIn": TTL,
        "expires_at": ctx.clock.iso(ctx.now + TTL), "expiresAt": ctx.clock.iso(ctx.now + TTL),
        "refresh_token": secrets.token_urlsafe(32), "refreshToken": secrets.token_urlsafe(32),
    })
    if isinstance(body.get("scope"), str):
        answer["scope"] = body["scope"]
    names = ctx.twin.declared_names(ctx.operation) or set(TOKEN_FIELDS)
    return Reply({k: v for k, v in answer.items() if k in names},
                 status=ctx.twin.success_status(ctx.operation, prefer=(200, 201)))


def _owner(ctx: RequestContext, body: dict[str, Any]) -> tuple[str, str]:
    """The tenant the body's credentials belong to (as given to it), else the caller's; and the subject."""
    for user_key, secret_key in (("username", "password"), ("email", "password"), ("client_id", "client_secret")):
        user, secret = body.get(user_key), body.get(secret_key)
        if isinstance(user, str) and isinstance(secret, str):
            cred = ctx.store.find_credential(token_hash(f"{user}:{secret}"))
            if cred is not None and cred.service == ctx.slug and cred.revoked_at is None:
                return cred.tenant, user
            return ctx.tenant, user
    return ctx.tenant, "client"
