"""``/_twinstack/polykomos/...``: what only Polykomos' dashboard can do to a tenant's keys.

The API has no operation to create or revoke keys (that happens in the web
dashboard), so tests reach it here:

- ``POST /_twinstack/polykomos/api_keys`` ``{"tenant", "name"?, "scopes"?}`` issues
  an extra key with only the listed scopes (all of them when omitted);
- ``POST /_twinstack/polykomos/api_keys/revoke`` ``{"api_key"}`` revokes a key, after
  which it gets 403 (known but inactive), where an unknown key gets 401.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from twinstack.engine.pack import Control
from twinstack.engine.tenants import Issuer
from twinstack.packs.polykomos.auth import ALL_SCOPES, issue_key


def _refuse(status: int, message: str, field: str) -> Response:
    body = {"error": "bad_request" if status == 400 else "not_found", "message": message, "field": field}
    return Response(orjson.dumps(body), status, media_type="application/json")


async def create_api_key(twin: Any, body: dict[str, Any], request: Request) -> Any:
    """Issue a key for an existing tenant, optionally limited to some scopes."""
    tenant = body.get("tenant")
    if not isinstance(tenant, str) or twin.store.get_tenant(tenant) is None:
        return _refuse(404, "tenant: no such tenant (see POST /_twinstack/tenants)", "tenant")
    scopes = body.get("scopes")
    if scopes is not None:
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            return _refuse(400, "scopes: expected a list of strings", "scopes")
        unknown = sorted(set(scopes) - set(ALL_SCOPES))
        if unknown:
            return _refuse(400, f"scopes: unknown {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}", "scopes")
    name = body.get("name", "Restricted key")
    if not isinstance(name, str):
        return _refuse(400, "name: expected a string", "name")
    key = issue_key(Issuer(twin, tenant, deterministic=False), name, scopes)
    return {"api_key": key, "tenant": tenant, "name": name, "scopes": sorted(ALL_SCOPES if scopes is None else set(scopes))}


async def revoke_api_key(twin: Any, body: dict[str, Any], request: Request) -> Any:
    """Mark a key revoked; it stays known, so using it is refused with 403."""
    key = body.get("api_key")
    if not isinstance(key, str) or not twin.revoke_token(key):
        return _refuse(404, "api_key: no such polykomos key", "api_key")
    return {"api_key": key, "revoked": True}


CONTROLS: dict[str, Control] = {"api_keys": create_api_key, "api_keys/revoke": revoke_api_key}
