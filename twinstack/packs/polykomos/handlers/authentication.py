"""Tag "Authentication": ``GET /api/v1/me``, the caller and the key it used."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.polykomos.auth import DEFAULT_CONTROLS


async def get_me(ctx: RequestContext) -> Any:
    """The tenant as the user, and the presented key with its permissions and limits."""
    credential = ctx.principal.credential if ctx.principal is not None else None
    tenant = ctx.store.get_tenant(ctx.tenant) or {}
    name = str(tenant.get("name") or ctx.tenant)
    data = credential.data if credential is not None else {}
    last_used = data.get("last_used_at")
    api_key = {
        "object": "api_key",
        "name": credential.label if credential is not None and credential.label else "API key",
        "preview": data.get("preview", ""),
        "permissions": list(credential.scopes or []) if credential is not None else [],
        "status": "active",
        "last_used_at": ctx.clock.iso(last_used) if isinstance(last_used, (int, float)) else None,
        "controls": {**DEFAULT_CONTROLS, **data.get("controls", {})},
    }
    user = {"object": "user", "name": name, "email": user_email(ctx.tenant)}
    return {"data": {"user": user, "api_key": api_key}}


def user_email(tenant: str) -> str:
    """The tenant's login e-mail: stable per tenant, on a reserved domain that never delivers."""
    return f"{tenant.replace('-', '')[:12]}@users.polykomos.test"


HANDLERS: dict[str, Handler] = {"getMe": get_me}
