"""Account operations (PAT only): the profile, and service keys and PATs that really work.

A key created here is a real credential of the twin: it authenticates at once,
only on its own service's operations, and stops working the moment it is
revoked. The full key is in the create response only; the list shows its
prefix.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.tenants import Issuer
from twinstack.errors import NotFound, TwinError
from twinstack.packs.wayscloud.keys import (
    CREATED_WARNING, account_keys, find_key, issue_pat, issue_service_key, key_item, revoke,
)
from twinstack.packs.wayscloud.permissions import PAT_SCOPES
from twinstack.packs.wayscloud.profile import account_profile

_DAY = 86_400.0


async def get_account_profile(ctx: RequestContext) -> Any:
    return account_profile(ctx.twin, ctx.tenant)


async def list_api_keys(ctx: RequestContext) -> Any:
    return [key_item(cred, ctx.clock) for cred in account_keys(ctx.store, ctx.tenant, ctx.slug)]


async def create_service_key(ctx: RequestContext) -> Any:
    # The document's enum (MINTABLE_SERVICES) has already refused any other service, with 400.
    body = ctx.body or {}
    service = str(body["service"])
    issuer = Issuer(ctx.twin, ctx.tenant, deterministic=False)
    token, cred = issue_service_key(issuer, service, str(body.get("description") or ""))
    return _created(ctx, token, cred.data, key_type="service")


async def create_pat(ctx: RequestContext) -> Any:
    body = ctx.body or {}
    scopes = [str(s) for s in body.get("scopes") or []]
    unknown = [s for s in scopes if s not in PAT_SCOPES]
    if not scopes or unknown:
        raise TwinError("Invalid scopes", status=400, field="body.scopes", details={
            "detail": "Invalid scopes. See GET /v1/account/api-keys for valid scope names"
            + (f" (unknown: {', '.join(unknown)})" if unknown else " (at least one scope is required)")
        })
    days = body.get("expires_in_days")
    expires_at = ctx.now + float(days) * _DAY if isinstance(days, int) else None
    issuer = Issuer(ctx.twin, ctx.tenant, deterministic=False)
    token, cred = issue_pat(issuer, scopes, str(body.get("description") or ""), expires_at)
    created = _created(ctx, token, cred.data, key_type="account")
    if expires_at is not None:
        created["expires_at"] = ctx.clock.iso(expires_at)
    return created


def _created(ctx: RequestContext, token: str, data: dict[str, Any], key_type: str) -> dict[str, Any]:
    """``APIKeyCreated``: the only place the full key is ever shown."""
    created: dict[str, Any] = {
        "id": data["key_id"], "key": token, "key_prefix": data["key_prefix"], "key_type": key_type,
        "warning": CREATED_WARNING, "scopes": list(data.get("shown_scopes") or []),
        "description": data.get("description") or "", "created_at": ctx.clock.iso(),
    }
    if data.get("service"):
        created["service"] = data["service"]
    return created


async def revoke_api_key(ctx: RequestContext) -> Any:
    key_id = str(ctx.path["key_id"])
    cred = find_key(ctx.twin, ctx.tenant, key_id)
    if cred is None:
        raise NotFound("Key not found", field="key_id")
    # Revoking twice is not an error: the key stays listed, inactive.
    revoke(ctx.store, cred, ctx.now)
    return Reply({"success": True, "message": "API key revoked"}, status=200)


HANDLERS: dict[str, Handler] = {
    "getAccountProfile": get_account_profile,
    "listApiKeys": list_api_keys,
    "createServiceKey": create_service_key,
    "createPat": create_pat,
    "revokeApiKey": revoke_api_key,
}
