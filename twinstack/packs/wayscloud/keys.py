"""WAYSCloud API keys: their formats, how they are issued, listed and revoked.

Every key is an engine credential of this service, stored hashed; what the
account's key list shows (id, prefix, type, service, scopes, description) lives
in the credential's ``data``. Formats follow the document's examples:

- service key ``wayscloud_<15>_<36>`` (``key_prefix`` = its first 17 characters);
  each tenant's own service key is ``wayscloud_api_<32>``, the form the official
  SDK sends as ``X-API-Key``;
- PAT ``wayscloud_pat_<id>_<secret>``.

Service keys satisfy every scheme but ``AccountAuth``; PATs satisfy all four.

A key is found by its id through the tenant's ``account/api-keys`` collection,
one record per key (written with the credential, in one transaction) holding
the credential's hash; the key list is the tenant's credentials of this service,
which are exactly its keys.
"""

from __future__ import annotations

import string
from typing import Any

from twinstack.engine.state import Collection
from twinstack.engine.tenants import Issuer
from twinstack.engine.twin import Twin
from twinstack.packs.wayscloud.permissions import ALL_SERVICES, PAT_SCOPES, expand_pat_scopes, service_scopes
from twinstack.store import Credential, Store
from twinstack.time.clock import Clock

SERVICE_KEY = "service_key"
PAT = "pat"
KEY_KINDS = (SERVICE_KEY, PAT)

SERVICE_KEY_SCHEMES = ["ServiceAuth", "ApiKeyAuth", "BearerAuth"]
PAT_SCHEMES = ["AccountAuth", "ServiceAuth", "BearerAuth", "ApiKeyAuth"]

PREFIX_LENGTH = 17
"""``key_prefix`` is this many leading characters of the key (``wayscloud_2xK9mPq``)."""

_LOWER_ALNUM = string.ascii_lowercase + string.digits

CREATED_WARNING = "Save this key now. It cannot be retrieved later."

KEY_IDS = "account/api-keys"
"""Store collection: key id -> ``{"_token": <credential hash>}``."""


def issue_tenant_keys(issuer: Issuer) -> dict[str, Any]:
    """A new tenant's service key (every service) and PAT (every scope), as the tenant is shown them."""
    api_key = issuer.token("wayscloud_api_", 32)
    every_service = [scope for service in ALL_SERVICES for scope in service_scopes(service)]
    _store_key(issuer, api_key, SERVICE_KEY, service=None, scopes=None, shown_scopes=every_service,
               description="Default service key (all services)")
    pat = issuer.token("wayscloud_pat_", 8, _LOWER_ALNUM) + issuer.token("_", 32)
    _store_key(issuer, pat, PAT, service=None, scopes=None, shown_scopes=list(PAT_SCOPES),
               description="Default personal access token")
    return {"api_key": api_key, "pat": pat}


def issue_service_key(issuer: Issuer, service: str, description: str) -> tuple[str, Credential]:
    """A key for one service; it carries ``<service>:read`` and ``<service>:write``."""
    token = issuer.token("wayscloud_", 15) + issuer.token("_", 36)
    scopes = service_scopes(service)
    return token, _store_key(issuer, token, SERVICE_KEY, service=service, scopes=scopes, shown_scopes=scopes,
                             description=description)


def issue_pat(issuer: Issuer, scopes: list[str], description: str, expires_at: float | None) -> tuple[str, Credential]:
    token = issuer.token("wayscloud_pat_", 8, _LOWER_ALNUM) + issuer.token("_", 32)
    cred = _store_key(issuer, token, PAT, service=None, scopes=expand_pat_scopes(scopes), shown_scopes=list(scopes),
                      description=description, expires_at=expires_at)
    return token, cred


def _store_key(
    issuer: Issuer, token: str, kind: str, *, service: str | None, scopes: list[str] | None, shown_scopes: list[str],
    description: str, expires_at: float | None = None,
) -> Credential:
    data = {
        "key_id": issuer.uuid(), "key_prefix": token[:PREFIX_LENGTH], "service": service,
        "shown_scopes": shown_scopes, "description": description,
    }
    schemes = SERVICE_KEY_SCHEMES if kind == SERVICE_KEY else PAT_SCHEMES
    with issuer.twin.store.transaction():
        cred = issuer.credential(token, kind, scopes=scopes, schemes=list(schemes), label=description, data=data,
                                 expires_at=expires_at)
        _key_ids(issuer.twin, issuer.tenant).put(str(data["key_id"]), {"_token": cred.token_hash})
    return cred


def _key_ids(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, KEY_IDS)


def account_keys(store: Store, tenant: str, service: str) -> list[Credential]:
    """The tenant's service keys and PATs, newest first.

    ``listApiKeys`` answers every key (it has no paging), and this service
    issues no other credentials, so the tenant's credentials are the answer.
    """
    creds = [c for c in store.list_credentials(tenant, service) if c.kind in KEY_KINDS]
    return sorted(creds, key=lambda c: c.created_at, reverse=True)


def find_key(twin: Twin, tenant: str, key_id: str) -> Credential | None:
    record = _key_ids(twin, tenant).get(key_id)
    cred = twin.store.find_credential(str(record["_token"])) if record is not None else None
    return cred if cred is not None and cred.tenant == tenant and cred.kind in KEY_KINDS else None


def revoke(store: Store, cred: Credential, now: float) -> None:
    """Dead at once: the engine refuses a credential with ``revoked_at`` set."""
    if cred.revoked_at is None:
        cred.revoked_at = now
        store.update_credential(cred)


def is_active(cred: Credential, now: float) -> bool:
    return cred.revoked_at is None and (cred.expires_at is None or cred.expires_at > now)


def key_item(cred: Credential, clock: Clock, last_used_at: float | None = None) -> dict[str, Any]:
    """The ``APIKeyItem`` the key list shows.

    Keys the document's examples show as ``null`` (``service`` of a PAT, an unused
    key's ``last_used_at``) are left out: the schema does not allow null there.
    ``last_used_at`` is kept apart from the credential (``key_use``).
    """
    item: dict[str, Any] = {
        "id": cred.data.get("key_id"),
        "key_prefix": cred.data.get("key_prefix"),
        "key_type": "service" if cred.kind == SERVICE_KEY else "account",
        "description": cred.data.get("description") or "",
        "scopes": list(cred.data.get("shown_scopes") or []),
        "is_active": is_active(cred, clock.now()),
        "created_at": clock.iso(cred.created_at),
    }
    if cred.data.get("service"):
        item["service"] = cred.data["service"]
    if cred.expires_at is not None:
        item["expires_at"] = clock.iso(cred.expires_at)
    if cred.revoked_at is not None:
        item["revoked_at"] = clock.iso(cred.revoked_at)
    if last_used_at is not None:
        item["last_used_at"] = clock.iso(last_used_at)
    return item
