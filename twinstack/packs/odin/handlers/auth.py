"""Tag ``Auth``: the two logins and the caller's profile, for real.

``loginWithCredentials`` checks the tenant's e-mail and password, opens a
Fusion session and answers a JWT with its id; ``login`` exchanges that id for
another JWT; ``getProfile`` reads the JWT's claims. The JWT is accepted as a
bearer token on every secured operation until it expires.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import Unauthorized
from twinstack.packs.odin.accounts import access_token, fusion_session, open_fusion_session


async def login_with_credentials(ctx: RequestContext) -> Any:
    body = ctx.body
    login = ctx.twin.check_login(str(body["email"]), str(body["password"]))
    if login is None:
        raise Unauthorized("Invalid credentials", code="invalid_login")
    user = {"userId": login.data["userId"], "email": login.data["email"], "name": login.data.get("name", "")}
    session_id = open_fusion_session(ctx.store, ctx.clock, ctx.slug, login.tenant, user)
    return Reply({"accessToken": access_token(ctx.twin, login.tenant, user), "sessionId": session_id}, status=201)


async def login(ctx: RequestContext) -> Any:
    session = fusion_session(ctx.store, ctx.clock, ctx.slug, str(ctx.body["fusionSessionId"]))
    if session is None:
        raise Unauthorized("Invalid or expired Fusion session", code="invalid_session")
    return Reply({"accessToken": access_token(ctx.twin, session.tenant, session.data)}, status=201)


async def get_profile(ctx: RequestContext) -> Any:
    claims = ctx.principal.claims if ctx.principal is not None else {}
    return {
        "userId": str(claims.get("sub", "")),
        "tenantId": str(claims.get("tenantId", ctx.tenant)),
        "username": str(claims.get("name") or claims.get("email") or ""),
    }


HANDLERS: dict[str, Handler] = {
    "loginWithCredentials": login_with_credentials,
    "login": login,
    "getProfile": get_profile,
}
