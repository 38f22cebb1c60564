"""Notifications (newest first, acknowledged by id), admin users (``/admin/users``; ``access.authorize`` admits
admins only) and the audit trail (``/audit``).
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.tenants import Issuer
from twinstack.packs.g4fagent import audit, users
from twinstack.packs.g4fagent.errors import BAD_INPUT_STATUS, ApiError, invalid_request
from twinstack.packs.g4fagent.handlers.sessions_messages_runs import listing, page_window
from twinstack.packs.g4fagent.notifications import NOTIFICATIONS
from twinstack.packs.g4fagent.records import body_of, new_id, text, text_list
from twinstack.packs.g4fagent.users import USERS


async def get_admin_users(ctx: RequestContext) -> dict[str, Any]:
    # Upstream leaves disabled users out of the list.
    listed = USERS.page(ctx, {"disabled": False}, search=("name", "email"))
    listed["items"] = [users.public(u) for u in listed["items"]]
    return listed


async def post_admin_users(ctx: RequestContext) -> dict[str, Any]:
    body = body_of(ctx)
    for name in ("name", "email", "roles"):
        if name not in body:
            raise invalid_request(f"{name} is required.", name)
    name, email = text(body, "name", required=True), text(body, "email", required=True)
    roles = text_list(body, "roles", required=True)
    password = text(body, "password")
    # One transaction, so two workers creating the same e-mail cannot both see it free.
    with ctx.store.transaction():
        if users.email_taken(ctx, email):
            raise ApiError(409, "conflict", f"email {email} is already taken by another user.", field="email",
                           details={"field": "email"})
        user = users.add(
            Issuer(ctx.twin, ctx.tenant, deterministic=False),
            user_id=new_id(USERS.prefix), name=name, email=email, roles=roles, password=password,
        )
    return USERS.wrap(users.public(user))


async def patch_admin_users_user_id(ctx: RequestContext) -> dict[str, Any]:
    user = USERS.load(ctx)
    body = body_of(ctx)
    changed = dict(user)
    if "name" in body:
        changed["name"] = text(body, "name", required=True)
    if isinstance(body.get("roles"), list):
        changed["roles"] = text_list(body, "roles")
    if "disabled" in body:
        if not isinstance(body["disabled"], bool):
            raise invalid_request("disabled must be a boolean.", "disabled")
        changed["disabled"] = body["disabled"]
    with ctx.store.transaction():
        _keep_an_admin(ctx, user, changed)
        if "password" in body:
            users.set_password(Issuer(ctx.twin, ctx.tenant, deterministic=False), changed, text(body, "password"))
        users.save(ctx, changed)
    return {"ok": True}


async def delete_admin_users_user_id(ctx: RequestContext) -> dict[str, Any]:
    me = users.caller(ctx)
    user = USERS.load(ctx)
    if user["id"] == me["id"]:
        raise ApiError(BAD_INPUT_STATUS, "invalid_state", "You cannot delete your own user.")
    with ctx.store.transaction():
        _keep_an_admin(ctx, user, None)
        users.remove(ctx, user)
    return {"ok": True}


def _keep_an_admin(ctx: RequestContext, before: dict[str, Any], after: dict[str, Any] | None) -> None:
    if not users.keeps_an_admin(ctx, before, after):
        raise ApiError(BAD_INPUT_STATUS, "invalid_state", "The tenant must keep at least one enabled admin.")


async def get_audit(ctx: RequestContext) -> dict[str, Any]:
    return audit.EVENTS.page(ctx, {}, filters=("project_id", "type"))


async def get_notifications(ctx: RequestContext) -> dict[str, Any]:
    limit, offset = page_window(ctx)
    window = NOTIFICATIONS.state(ctx).find(newest_first=True, limit=limit, offset=offset)
    return listing(window.items, limit, offset, window.cursor is not None)


async def post_notifications_ack(ctx: RequestContext) -> dict[str, Any]:
    ids = text_list(body_of(ctx), "ids", required=True)
    state = NOTIFICATIONS.state(ctx)
    # Unknown ids are ignored, as upstream.
    for note in state.get_many(list(dict.fromkeys(ids))[:1000]).values():
        if not note.get("acked"):
            NOTIFICATIONS.put(state, {**note, "acked": True})
    return {"ok": True}


HANDLERS: dict[str, Handler] = {
    "get_notifications": get_notifications,
    "post_notifications_ack": post_notifications_ack,
    "get_admin_users": get_admin_users,
    "post_admin_users": post_admin_users,
    "patch_admin_users_user_id": patch_admin_users_user_id,
    "delete_admin_users_user_id": delete_admin_users_user_id,
    "get_audit": get_audit,
}

INDEXES: dict[str, tuple[str, ...]] = dict(family.index() for family in (USERS, audit.EVENTS, NOTIFICATIONS))
"""What these handlers look resources up by."""
