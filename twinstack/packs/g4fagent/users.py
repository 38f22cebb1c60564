"""G4FAgent users: one directory per tenant, passwords as the engine's hashed login credentials.

A user record is ``{id, name, email, roles, created_at, disabled}`` plus the
private ``_login`` (the hash naming its password credential, so a password
change or a delete can revoke it). The password itself is never stored: the
engine keeps ``sha256(email, password)`` as a ``login`` credential, which is
also how ``POST /auth/login`` finds the tenant a user belongs to.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.security import token_hash
from twinstack.engine.tenants import Issuer, login_key
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent.errors import ApiError
from twinstack.packs.g4fagent.records import Family, iso

USERS = Family(noun="user", collection="/admin/users", prefix="user", id_param="user_id", label="User")
ADMIN_ID = "user_admin"
"""Upstream's id for the seeded administrator; every tenant's first user has it."""
ADMIN_ROLE = "admin"
PUBLIC_FIELDS = ("id", "name", "email", "roles", "created_at")


def public(user: dict[str, Any]) -> dict[str, Any]:
    """What the API shows of a user (``/me``, ``/admin/users``)."""
    return {name: user.get(name) for name in PUBLIC_FIELDS}


def add(issuer: Issuer, *, user_id: str, name: str, email: str, roles: list[str], password: str) -> dict[str, Any]:
    """Store a new user of ``issuer.tenant``; an empty password means the user cannot log in."""
    user: dict[str, Any] = {
        "id": user_id, "name": name, "email": email, "roles": list(roles), "created_at": iso(issuer.now), "disabled": False,
    }
    set_password(issuer, user, password)
    _put(issuer.twin, issuer.tenant, user, issuer.now)
    return user


def save(ctx: RequestContext, user: dict[str, Any]) -> None:
    _put(ctx.twin, ctx.tenant, user, ctx.now)


def set_password(issuer: Issuer, user: dict[str, Any], password: str) -> None:
    """Replace the user's password credential (the caller saves ``user``)."""
    _revoke_login(issuer.twin, issuer.tenant, user, issuer.now)
    if password:
        issuer.login(str(user["email"]), password, data={"user_id": user["id"]})
        user["_login"] = token_hash(login_key(str(user["email"]), password))


def remove(ctx: RequestContext, user: dict[str, Any]) -> None:
    _revoke_login(ctx.twin, ctx.tenant, user, ctx.now)
    USERS.remove(ctx, str(user["id"]))


def by_password(twin: Twin, email: str, password: str) -> tuple[str, dict[str, Any]] | None:
    """``(tenant, user)`` whose e-mail and password these are (e-mail trimmed, case-insensitive)."""
    cred = twin.check_login(email, password)
    if cred is None:
        return None
    user = twin.store.get(twin.slug, cred.tenant, USERS.collection, str(cred.data.get("user_id", "")))
    return (cred.tenant, user) if user is not None else None


def email_taken(ctx: RequestContext, email: str) -> bool:
    wanted = email.strip().lower()
    return any(str(u.get("email", "")).strip().lower() == wanted for u in USERS.all(ctx))


def caller(ctx: RequestContext) -> dict[str, Any]:
    """The signed-in user; a token whose user was deleted or disabled is refused like an expired one."""
    subject = ctx.principal.claims.get("sub") if ctx.principal is not None else None
    user = ctx.store.get(ctx.slug, ctx.tenant, USERS.collection, str(subject)) if subject else None
    if user is None or user.get("disabled"):
        raise ApiError(401, "unauthorized", "Invalid or expired access token.")
    return dict(user)


def enabled_admins(users: list[dict[str, Any]]) -> int:
    return sum(1 for u in users if not u.get("disabled") and ADMIN_ROLE in (u.get("roles") or []))


def _put(twin: Twin, tenant: str, user: dict[str, Any], now: float) -> None:
    twin.store.put(twin.slug, tenant, USERS.collection, str(user["id"]), user, now)


def _revoke_login(twin: Twin, tenant: str, user: dict[str, Any], now: float) -> None:
    hashed = user.pop("_login", None)
    if not hashed:
        return
    cred = twin.store.find_credential(str(hashed))
    # Another tenant may since have registered the same e-mail and password; that login is not ours to revoke.
    if cred is not None and cred.tenant == tenant and cred.revoked_at is None:
        cred.revoked_at = now
        twin.store.update_credential(cred)
