"""Auth / Identity: password and API-key login, refresh-token rotation, logout, ``/me``.

Logout ends the session it is called from: the access token of the call stops
working at once (its ``jti`` is revoked) and so does the refresh token named
in the body; the user's other tokens are left alone. Upstream leaves the access
token valid until it expires; a client that logs out expects it gone.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.security import token_hash
from twinstack.packs.g4fagent import credentials, tokens, users
from twinstack.packs.g4fagent.errors import BAD_INPUT_STATUS, ApiError, invalid_request
from twinstack.packs.g4fagent.records import body_of, text


async def post_auth_login(ctx: RequestContext) -> dict[str, Any]:
    body = body_of(ctx)
    method = text(body, "method").strip().lower()
    if method == "password":
        email, password = text(body, "email"), text(body, "password")
        found = users.by_password(ctx.twin, email, password) if email.strip() and password else None
        if found is None:
            raise ApiError(401, "invalid_credentials", "Invalid email or password.")
        tenant, user = found
        if user.get("disabled"):
            raise ApiError(403, "forbidden", "User is disabled.")
        return tokens.issue(ctx.twin, tenant, user)
    if method == "api_key":
        key = text(body, "api_key").strip()
        cred = ctx.store.find_credential(token_hash(key)) if key else None
        found_user: dict[str, Any] | None = None
        if cred is not None and cred.service == ctx.slug and cred.kind == credentials.API_KEY_KIND and cred.revoked_at is None:
            found_user = users.of_tenant(ctx.twin, cred.tenant, str(cred.data.get("user_id", "")))
        if cred is None or found_user is None or found_user.get("disabled"):
            raise ApiError(401, "invalid_credentials", "Invalid API key.")
        return tokens.issue(ctx.twin, cred.tenant, found_user)
    raise ApiError(BAD_INPUT_STATUS, "invalid_method", "Unsupported login method.", field="method", details={"field": "method"})


async def post_auth_refresh(ctx: RequestContext) -> dict[str, Any]:
    token = text(body_of(ctx), "refresh_token").strip()
    if not token:
        raise invalid_request("refresh_token is required.", "refresh_token")
    return tokens.rotate(ctx.twin, token)


async def post_auth_logout(ctx: RequestContext) -> dict[str, Any]:
    # The API documents that logout's body may be an empty object.
    token = text(body_of(ctx, empty_ok=True), "refresh_token").strip()
    if token:
        tokens.revoke_refresh(ctx.twin, ctx.tenant, token)
    jti = ctx.principal.claims.get("jti") if ctx.principal is not None else None
    if jti:
        ctx.twin.revoke_jti(str(jti))
    return {"ok": True}


async def get_me(ctx: RequestContext) -> dict[str, Any]:
    return {"user": users.public(users.caller(ctx))}


HANDLERS: dict[str, Handler] = {
    "post_auth_login": post_auth_login,
    "post_auth_refresh": post_auth_refresh,
    "post_auth_logout": post_auth_logout,
    "get_me": get_me,
}
