"""G4FAgent users: one directory per tenant, passwords as the engine's hashed login credentials.

A user record is ``{id, name, email, roles, created_at, disabled}`` plus the
private ``_login`` (the hash naming its password credential, so a password
change or a delete can revoke it). The password itself is never stored: the
engine keeps ``sha256(email, password)`` as a ``login`` credential, which is
also how ``POST /auth/login`` finds the tenant a user belongs to.

Two look-ups are indexed rather than read from the whole directory: the
e-mail, unique without regard to case (stored lowered as ``_email_key``), and
whether a user is an enabled admin (``_enabled_admin``), which the rule "a
tenant keeps at least one enabled admin" counts.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.security import token_hash
from twinstack.engine.tenants import Issuer, login_key
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent.errors import ApiError
from twinstack.packs.g4fagent.records import Family, iso, key_field

USERS = Family(noun="user", collection="/admin/users", prefix="user", id_param="user_id", label="User",
               keyed=("email",), indexed=("disabled", "_enabled_admin"))
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
    _put(issuer.twin, issuer.tenant, user)
    return user


def save(ctx: RequestContext, user: dict[str, Any]) -> None:
    _put(ctx.twin, ctx.tenant, user)


def set_password(issuer: Issuer, user: dict[str, Any], password: str) -> None:
    """Replace the user's password credential (the caller saves ``user``)."""
    _revoke_login(issuer.twin, issuer.tenant, user, issuer.now)
    if password:
        issuer.login(str(user["email"]), password, data={"user_id": user["id"]})
        user["_login"] = token_hash(login_key(str(user["email"]), password))


def remove(ctx: RequestContext, user: dict[str, Any]) -> None:
    _revoke_login(ctx.twin, ctx.tenant, user, ctx.now)
    USERS.remove(ctx, str(user["id"]))


def of_tenant(twin: Twin, tenant: str, user_id: str) -> dict[str, Any] | None:
    return twin.collection(tenant, USERS.collection).get(user_id)


def by_password(twin: Twin, email: str, password: str) -> tuple[str, dict[str, Any]] | None:
    """``(tenant, user)`` whose e-mail and password these are (e-mail trimmed, case-insensitive)."""
    cred = twin.check_login(email, password)
    if cred is None:
        return None
    user = of_tenant(twin, cred.tenant, str(cred.data.get("user_id", "")))
    return (cred.tenant, user) if user is not None else None


def email_taken(ctx: RequestContext, email: str) -> bool:
    return USERS.state(ctx).find_one(**{key_field("email"): email.strip().lower()}) is not None


def caller(ctx: RequestContext) -> dict[str, Any]:
    """The signed-in user; a token whose user was deleted or disabled is refused like an expired one."""
    subject = ctx.principal.claims.get("sub") if ctx.principal is not None else None
    user = USERS.state(ctx).get(str(subject)) if subject else None
    if user is None or user.get("disabled"):
        raise ApiError(401, "unauthorized", "Invalid or expired access token.")
    return dict(user)


def is_enabled_admin(user: dict[str, Any]) -> bool:
    return not user.get("disabled") and ADMIN_ROLE in (user.get("roles") or [])


def keeps_an_admin(ctx: RequestContext, before: dict[str, Any], after: dict[str, Any] | None) -> bool:
    """Whether replacing ``before`` by ``after`` (None: deleting it) leaves the tenant an enabled admin, or
    it had none to begin with (then the change cannot be what took the last one away)."""
    admins = USERS.state(ctx).count(_enabled_admin=True)
    left = admins - is_enabled_admin(before) + (after is not None and is_enabled_admin(after))
    return left > 0 or admins == 0


def _put(twin: Twin, tenant: str, user: dict[str, Any]) -> None:
    USERS.put(twin.collection(tenant, USERS.collection), {**user, "_enabled_admin": is_enabled_admin(user)})


def _revoke_login(twin: Twin, tenant: str, user: dict[str, Any], now: float) -> None:
    hashed = user.pop("_login", None)
    if not hashed:
        return
    cred = twin.store.find_credential(str(hashed))
    # Another tenant may since have registered the same e-mail and password; that login is not ours to revoke.
    if cred is not None and cred.tenant == tenant and cred.revoked_at is None:
        cred.revoked_at = now
        twin.store.update_credential(cred)
