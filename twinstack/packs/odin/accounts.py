"""The accounts of an ODIN tenant: API keys, Fusion sessions, access tokens, projects.

An API key is two rows written in one transaction: its engine credential
(stored hashed, kind ``api_key``), which authenticates, and its listing record
in the tenant's ``/api/api-keys`` collection (what ``GET /api/api-keys`` shows,
by key id, with the credential's hash kept private), so a listing or a revoke
reads the tenant's live keys only, never every credential it ever had. A revoke
switches the credential off and deletes the record in the same transaction. A
Fusion session id (what ``POST /api/auth/login`` exchanges for a JWT) is a
hashed credential too, one that satisfies no security scheme, so it can never
be used as a bearer token itself.
"""

from __future__ import annotations

import secrets
from typing import Any

from twinstack.engine.security import token_hash
from twinstack.engine.state import Collection
from twinstack.engine.twin import Twin
from twinstack.packs.odin.auth import API_KEY_SCHEME, BEARER_SCHEME, KEY_ALPHABET, KEY_LENGTH, KEY_PREFIX, key_prefix
from twinstack.store import Credential, Store
from twinstack.time.clock import Clock

PROJECTS = "/api/projects"
"""Store collection of a tenant's projects (the path of ``GET /api/projects``)."""
API_KEYS = "/api/api-keys"
"""Store collection of a tenant's live keys as listed, by key id."""
TOKEN_FIELD = "_token"
"""The listing record's private copy of its credential's hash."""
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
    twin: Twin,
    tenant: str,
    *,
    key: str,
    key_id: str,
    name: str,
    scopes: list[str],
    project_id: str | None = None,
    expires_at: float | None = None,
) -> Credential:
    """Store ``key`` hashed, limited to ``scopes`` (and to one project when ``project_id`` is set), and list it."""
    now = twin.clock.now()
    data: dict[str, Any] = {
        "id": key_id,
        "name": name,
        "keyPrefix": key_prefix(key),
        "scopes": list(scopes),
        "createdAt": twin.clock.iso(now, millis=True),
    }
    if project_id is not None:
        data["projectId"] = project_id
    if expires_at is not None:
        data["expiresAt"] = twin.clock.iso(expires_at, millis=True)
    cred = Credential(token_hash(key), tenant, twin.slug, API_KEY_KIND, name, list(scopes), [API_KEY_SCHEME], data, now,
                      expires_at)
    with twin.store.transaction():
        twin.store.add_credential(cred)
        _listed(twin, tenant).put(key_id, {**data, TOKEN_FIELD: cred.token_hash})
    return cred


def _listed(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, API_KEYS)


def api_keys(twin: Twin, tenant: str) -> list[dict[str, Any]]:
    """The tenant's keys that have not been revoked, oldest first, as listed.

    ``GET /api/api-keys`` answers every live key (it has no paging), so this
    reads the collection that holds exactly those, and nothing else.
    """
    return [api_key_view(record) for record in _listed(twin, tenant).find().items]


def find_api_key(twin: Twin, tenant: str, key_id: str) -> Credential | None:
    record = _listed(twin, tenant).get(key_id)
    return twin.store.find_credential(str(record[TOKEN_FIELD])) if record is not None else None


def api_key_view(record: dict[str, Any]) -> dict[str, Any]:
    """What a listing shows of a key: everything but the key itself."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def revoke_api_key(twin: Twin, cred: Credential, now: float) -> None:
    with twin.store.transaction():
        cred.revoked_at = now
        twin.store.update_credential(cred)
        _listed(twin, cred.tenant).delete(str(cred.data.get("id", "")))


def note_key_use(twin: Twin, cred: Credential) -> None:
    """Keep ``lastUsedAt`` current to the minute without a write per request."""
    now = twin.clock.now()
    if now - float(cred.data.get("_lastUsed", 0.0)) < LAST_USED_STEP:
        return
    listed = _listed(twin, cred.tenant)
    with twin.store.transaction():
        # Re-read: writing the request's own copy back could undo a revoke made since it was loaded.
        fresh = twin.store.find_credential(cred.token_hash)
        record = listed.get(str(cred.data.get("id", "")))
        if fresh is None or fresh.revoked_at is not None or record is None:
            return
        fresh.data["_lastUsed"] = now
        twin.store.update_credential(fresh)
        listed.put(str(record["id"]), {**record, "lastUsedAt": twin.clock.iso(now, millis=True)})


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


def projects(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, PROJECTS)
