"""Access and refresh tokens: issue, rotate, revoke.

The access token is an HS256 JWT the engine signs and verifies
(``sub`` = user id, ``tenant``, ``roles``, ``iat``, ``exp`` = +3600 s, ``jti``);
clients treat it as opaque, as they do upstream's ``atk_…`` tokens. The refresh
token is upstream's opaque ``rtk_<16 hex>``, stored hashed as an engine
credential of kind ``refresh`` (which the engine never accepts as a bearer
token) for 86 400 s; each use consumes it. Access tokens of a user who is
deleted or disabled are refused by ``access.authorize``.
"""

from __future__ import annotations

import secrets
from typing import Any

from twinstack.engine.security import token_hash
from twinstack.engine.tenants import Issuer
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent.errors import ApiError
from twinstack.packs.g4fagent.users import of_tenant

ACCESS_TTL = 3600
REFRESH_TTL = 86_400
REFRESH_KIND = "refresh"


def issue(twin: Twin, tenant: str, user: dict[str, Any]) -> dict[str, Any]:
    """A fresh pair for ``user``: the body of a successful login or refresh."""
    now = twin.clock.now()
    access = twin.issue_jwt(tenant, str(user["id"]), ttl=ACCESS_TTL, roles=list(user.get("roles") or []))
    refresh = "rtk_" + secrets.token_hex(8)
    Issuer(twin, tenant, deterministic=False).credential(
        refresh, REFRESH_KIND, schemes=[], data={"user_id": user["id"]}, expires_at=now + REFRESH_TTL
    )
    return {"access_token": access, "refresh_token": refresh, "expires_in": ACCESS_TTL}


def rotate(twin: Twin, token: str) -> dict[str, Any]:
    """Consume a refresh token and issue a new pair; 401 ``invalid_refresh_token`` otherwise."""
    with twin.store.transaction():
        cred = twin.store.find_credential(token_hash(token))
        if cred is None or cred.service != twin.slug or cred.kind != REFRESH_KIND or cred.revoked_at is not None:
            raise ApiError(401, "invalid_refresh_token", "Refresh token is invalid.")
        now = twin.clock.now()
        if cred.expires_at is not None and cred.expires_at <= now:
            raise ApiError(401, "invalid_refresh_token", "Refresh token has expired.")
        user = of_tenant(twin, cred.tenant, str(cred.data.get("user_id", "")))
        if user is None or user.get("disabled"):
            raise ApiError(401, "invalid_refresh_token", "Refresh token is invalid.")
        cred.revoked_at = now
        twin.store.update_credential(cred)
        return issue(twin, cred.tenant, user)


def revoke_refresh(twin: Twin, tenant: str, token: str) -> None:
    """Logout: the refresh token stops working; unknown tokens, and other tenants' tokens, are ignored."""
    cred = twin.store.find_credential(token_hash(token))
    if cred is not None and cred.kind == REFRESH_KIND and cred.tenant == tenant and cred.revoked_at is None:
        cred.revoked_at = twin.clock.now()
        twin.store.update_credential(cred)
