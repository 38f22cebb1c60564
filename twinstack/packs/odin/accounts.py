"""The accounts of an ODIN tenant: API keys, Fusion sessions, access tokens, projects.

An API key's listing record *is* its engine credential (stored hashed, kind
``api_key``): the fields ``GET /api/api-keys`` shows live in the credential's
``data``, so what is listed, what authenticates and what a revoke switches off
can never drift apart. A Fusion session id (what ``POST /api/auth/login``
exchanges for a JWT) is a hashed credential too, one that satisfies no
security scheme, so it can never be used as a bearer token itself.
"""

from __future__ import annotations

import secrets
from typing import Any

from twinstack.engine.security import token_hash
from twinstack.packs.odin.auth import API_KEY_SCHEME, BEARER_SCHEME, KEY_ALPHABET, KEY_LENGTH, KEY_PREFIX, key_prefix
from twinstack.store import Credential, Store
from twinstack.time.clock import Clock

PROJECTS = "/api/projects"
"""Store collection of a tenant's projects (the path of ``GET /api/projects``)."""
API_KEY_KIND = "api_key"
FUSION_KIND = "fusion_session"
FUSION_TTL = 24 * 3600.0
"""Fusion session ids stay exchangeable for a day (a twin choice; 4Players does not say)."""
ACCESS_TOKEN_TTL = 3600.0
"""Cortex JWTs are "short-lived" (docs); one hour, as the brief's claims guess."""
LAST_USED_STEP = 60.0
"""``lastUsedAt`` is rewritten at most once a minute per key, not on every request."""


def new_key() -> str:
    return KEY_PREFIX + "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def add_api_key(
    store: Store,
    clock: Clock,
    slug: str,
    tenant: str,
    *,
    key: str,
    key_id: str,
    name: str,
    scopes: list[str],
    project_id: str | None = None,
    expires_at: float | None = None,
) -> Credential:
    """Store ``key`` hashed, limited to ``scopes`` (and to one project when ``project_id`` is set)."""
    now = clock.now()
    data: dict[str, Any] = {
        "id": key_id,
        "name": name,
        "keyPrefix": key_prefix(key),
        "scopes": list(scopes),
        "createdAt": clock.iso(now, millis=True),
    }
    if project_id is not None:
        data["projectId"] = project_id
    if expires_at is not None:
        data["expiresAt"] = clock.iso(expires_at, millis=True)
    cred = Credential(token_hash(key), tenant, slug, API_KEY_KIND, name, list(scopes), [API_KEY_SCHEME], data, now,
                      expires_at)
    store.add_credential(cred)
    return cred


def api_keys(store: Store, slug: str, tenant: str) -> list[Credential]:
    """The tenant's keys that have not been revoked, oldest first."""
    return [c for c in store.list_credentials(tenant, slug) if c.kind == API_KEY_KIND and c.revoked_at is None]


def find_api_key(store: Store, slug: str, tenant: str, key_id: str) -> Credential | None:
    return next((c for c in api_keys(store, slug, tenant) if c.data.get("id") == key_id), None)


def api_key_view(cred: Credential) -> dict[str, Any]:
    """What a listing shows of a key: everything but the key itself."""
    return {k: v for k, v in cred.data.items() if not k.startswith("_")}


def revoke_api_key(store: Store, cred: Credential, now: float) -> None:
    cred.revoked_at = now
    store.update_credential(cred)


def note_key_use(store: Store, clock: Clock, cred: Credential) -> None:
    """Keep ``lastUsedAt`` current to the minute without a write per request."""
    now = clock.now()
    if now - float(cred.data.get("_lastUsed", 0.0)) < LAST_USED_STEP:
        return
    with store.transaction():
        # Re-read: writing the request's own copy back could undo a revoke made since it was loaded.
        fresh = store.find_credential(cred.token_hash)
        if fresh is None or fresh.revoked_at is not None:
            return
        fresh.data["_lastUsed"] = now
        fresh.data["lastUsedAt"] = clock.iso(now, millis=True)
        store.update_credential(fresh)


def open_fusion_session(store: Store, clock: Clock, slug: str, tenant: str, user: dict[str, Any]) -> str:
    """A new opaque Fusion session id for ``user``, exchangeable at ``POST /api/auth/login``."""
    session_id = secrets.token_hex(16)
    now = clock.now()
    store.add_credential(
        Credential(token_hash(session_id), tenant, slug, FUSION_KIND, "", None, [], dict(user), now, now + FUSION_TTL)
    )
    return session_id


def fusion_session(store: Store, clock: Clock, slug: str, session_id: str) -> Credential | None:
    """The live session behind ``session_id``, if it is one this service issued."""
    cred = store.find_credential(token_hash(session_id))
    if cred is None or cred.service != slug or cred.kind != FUSION_KIND or cred.revoked_at is not None:
        return None
    if cred.expires_at is not None and cred.expires_at <= clock.now():
        return None
    return cred


def access_token(twin: Any, tenant: str, user: dict[str, Any]) -> str:
    """A Cortex JWT for ``user``: accepted as ``bearer`` only, with every scope (users are not scoped)."""
    return str(twin.issue_jwt(
        tenant, str(user["userId"]), ttl=ACCESS_TOKEN_TTL, tenantId=tenant, email=user.get("email", ""),
        name=user.get("name", ""), schemes=[BEARER_SCHEME],
    ))


def projects(store: Store, slug: str, tenant: str) -> list[dict[str, Any]]:
    return store.list(slug, tenant, PROJECTS)


def project(store: Store, slug: str, tenant: str, project_id: str) -> dict[str, Any] | None:
    return store.get(slug, tenant, PROJECTS, project_id)
