"""Polykomos API keys: their format, the scopes each operation needs, and how they are issued.

A key is ``pk_live_`` followed by 32 base62 characters, sent as
``Authorization: Bearer <key>`` (scheme ``BearerApiKey``, the document's only
one), which is where the engine's default extraction already looks. The engine
stores keys hashed and resolves them; this module decides the format, which
scheme a key satisfies, and the scopes. The document names scopes only in
operation descriptions ("Requires scope: blueprints:write"); the scopes of the
undescribed operations are this twin's choice (see the README).
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.pack import ALNUM
from twinstack.engine.security import Principal
from twinstack.engine.tenants import Issuer

KEY_PREFIX = "pk_live_"
KEY_LENGTH = 32
SCHEME = "BearerApiKey"

SCOPES: dict[str, tuple[str, ...]] = {
    "getMe": (),
    "getDatabaseTypes": ("databases:read",),
    "listDatabases": ("databases:read",),
    "getDatabase": ("databases:read",),
    "createDatabase": ("databases:write",),
    "updateDatabase": ("databases:write",),
    "deleteDatabase": ("databases:write",),
    "updateDatabaseQuotas": ("databases:write",),
    "createDatabaseBlueprintApplication": ("databases:write", "blueprints:read"),
    "listBlueprints": ("blueprints:read",),
    "getBlueprint": ("blueprints:read",),
    "createBlueprint": ("blueprints:write",),
    "updateBlueprint": ("blueprints:write",),
    "deleteBlueprint": ("blueprints:write",),
    "createBlueprintValidation": ("blueprints:read",),
    "getBlueprintApplication": ("blueprints:read",),
    "createQueryExecution": ("queries:write",),
    "listWebhookEndpoints": ("webhooks:read",),
    "listWebhookDeliveries": ("webhooks:read",),
    "createWebhookEndpoint": ("webhooks:write",),
    "revokeWebhookEndpoint": ("webhooks:write",),
    "createWebhookTestDelivery": ("webhooks:write",),
}
"""Scopes each operation needs, all of them (AND)."""

ALL_SCOPES: tuple[str, ...] = tuple(sorted({s for needed in SCOPES.values() for s in needed}))
"""Every scope a key can hold; a tenant's own key holds all of them."""

DEFAULT_CONTROLS: dict[str, Any] = {
    "requests_per_minute": 600,
    "monthly_quota": None,
    "allowed_ip_list": [],
    "inactive_ttl_days": None,
}
"""A new key's limits: generous enough never to trip a test suite."""

USE_RECORD_INTERVAL = 60.0
"""Twin-clock seconds between two writes of a key's ``last_used_at``: one store write
per key per minute at most, instead of one per request."""


def issue_key(issuer: Issuer, name: str, scopes: list[str] | None = None) -> str:
    """Make a key for ``issuer``'s tenant, stored hashed, and return it (shown once)."""
    key = issuer.token(KEY_PREFIX, KEY_LENGTH, ALNUM)
    granted = sorted(ALL_SCOPES) if scopes is None else sorted(set(scopes))
    issuer.credential(
        key, "api_key", scopes=granted, schemes=[SCHEME], label=name,
        data={"preview": preview(key), "controls": dict(DEFAULT_CONTROLS)},
    )
    return key


def tenant_credentials(issuer: Issuer) -> dict[str, Any]:
    """What ``POST /_twinstack/tenants`` shows for polykomos: one key holding every scope."""
    return {"api_key": issue_key(issuer, "Default key")}


def preview(key: str) -> str:
    """The masked form ``/me`` shows: the prefix and the last four characters."""
    return f"{KEY_PREFIX}...{key[-4:]}"


def record_use(twin: Any, principal: Principal | None, operation: Any, path_params: dict[str, str]) -> None:
    """``Pack.authorize``: note when the presented key was last used (``/me`` shows it)."""
    credential = principal.credential if principal is not None else None
    if credential is None or credential.kind != "api_key":
        return
    now = float(twin.clock.now())
    last = credential.data.get("last_used_at")
    if isinstance(last, (int, float)) and now - last < USE_RECORD_INTERVAL:
        return
    credential.data["last_used_at"] = now
    twin.store.update_credential(credential)
