"""Account operations (PAT only): the profile, service keys and PATs that really work, SSH keys.

A key created here is a real credential of the twin: it authenticates at once,
only on its own service's operations, and stops working the moment it is
revoked. The full key is in the create response only; the list shows its
prefix. SSH keys are parsed and fingerprinted for real (``ssh_keys``). The
dashboard paths the official clients call (``extra_paths/account.py``) are
answered by the same handlers.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.tenants import Issuer
from twinstack.errors import Conflict, NotFound, TwinError
from twinstack.packs.wayscloud import account_services, ssh_keys
from twinstack.packs.wayscloud.extra_paths.account import DOCUMENTED
from twinstack.packs.wayscloud.key_use import last_used
from twinstack.packs.wayscloud.keys import (
    CREATED_WARNING, account_keys, find_key, issue_pat, issue_service_key, key_item, revoke,
)
from twinstack.packs.wayscloud.permissions import PAT_SCOPES
from twinstack.packs.wayscloud.profile import account_profile

_DAY = 86_400.0


async def get_account_profile(ctx: RequestContext) -> Any:
    return account_profile(ctx.twin, ctx.tenant)


async def list_api_keys(ctx: RequestContext) -> Any:
    return [key_item(cred, ctx.clock, last_used(ctx.store, cred))
            for cred in account_keys(ctx.store, ctx.tenant, ctx.slug)]


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
    if cred.revoked_at is not None:
        # A revoked key stays listed (inactive) but is no longer there to revoke.
        raise NotFound("Key not found", field="key_id")
    revoke(ctx.store, cred, ctx.now)
    return Reply({"success": True, "message": "API key revoked"}, status=200)


async def list_ssh_keys(ctx: RequestContext) -> Any:
    # The account's keys are the answer itself (the document's list has no paging).
    page = ctx.collection(ssh_keys.KEYS).find()
    return [ssh_keys.item(ctx.twin, ctx.tenant, record) for record in page.items]


async def create_ssh_key(ctx: RequestContext) -> Any:
    body = ctx.body or {}
    key = ssh_keys.parse(str(body["public_key"]))
    if key is None:
        raise TwinError("Invalid SSH key format", status=400, field="body.public_key",
                        details={"detail": ssh_keys.INVALID_FORMAT})
    issuer = Issuer(ctx.twin, ctx.tenant, deterministic=False)
    record = ssh_keys.add(ctx.twin, ctx.tenant, issuer.uuid(), str(body["name"]), key, ctx.clock.iso())
    if record is None:
        raise Conflict("SSH key already registered", field="body.public_key", details={"detail": ssh_keys.DUPLICATE})
    return ssh_keys.item(ctx.twin, ctx.tenant, record)


async def delete_ssh_key(ctx: RequestContext) -> Any:
    if not ssh_keys.remove(ctx.twin, ctx.tenant, str(ctx.path["key_id"])):
        raise NotFound("Key not found", field="key_id")
    return {"success": True, "message": "SSH key deleted"}


async def list_services(ctx: RequestContext) -> Any:
    return account_services.service_items(ctx)


_DOCUMENTED_HANDLERS: dict[str, Handler] = {
    "getAccountProfile": get_account_profile,
    "listApiKeys": list_api_keys,
    "createServiceKey": create_service_key,
    "createPat": create_pat,
    "revokeApiKey": revoke_api_key,
    "listSshKeys": list_ssh_keys,
    "createSshKey": create_ssh_key,
    "deleteSshKey": delete_ssh_key,
    "listServices": list_services,
}

HANDLERS: dict[str, Handler] = {
    **_DOCUMENTED_HANDLERS,
    **{copied: _DOCUMENTED_HANDLERS[documented] for copied, documented in DOCUMENTED.items()},
}
