"""Who may watch a live event: watch states, watch tokens, passwords and one-use access grants.

The watch operations are public and slugs are cloud-wide, so a slug finds the
owner through a shared row. ``public`` events show playback to everyone;
``password`` and ``token`` events show ``access_required`` (no playback) until
``verify-password`` / ``verify-token`` issue an access grant (``ag_`` + 43
characters, valid ``GRANT_SECONDS``) with the playback; ``tenant_only`` events
show no playback on the public operations (the twin has no viewer login).
``consume-grant`` spends the grant once when playback starts: the first call
counts one use of its token (a guarded counter bounded by ``max_uses``, so
racing viewers never pass the limit), later calls answer ``already_consumed``.
Passwords and tokens are kept as SHA-256 only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import Any

from twinstack.engine.state import SHARED_TENANT
from twinstack.engine.twin import Twin
from twinstack.errors import Forbidden, NotFound, TwinError
from twinstack.packs.wayscloud import live_events as le

TOKENS = "live/tokens"
GRANTS = "live/grants"
"""Shared: grant -> ``{tenant, event_id, token_id, expires_at, consumed}``."""
INDEXES: dict[str, tuple[str, ...]] = {TOKENS: ("event_id", "_sha256")}
USES = "wayscloud.live-token-uses"
"""Counter namespace: token id -> ``uses``."""
VIEWERS = "wayscloud.live-viewers"
"""Counter namespace: event id -> ``viewers`` (grants consumed), ``session:<id>`` -> ``viewers``."""
GRANT_SECONDS = 15 * 60.0
TOKEN_PREFIX = "wayscloud_le_"
_UNKNOWN = {"detail": "Event not found"}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def resolve(twin: Twin, slug: str) -> tuple[str, dict[str, Any]]:
    """The owner and the event of a watch slug; 404 for unknown, deleted and draft events."""
    row = twin.collection(SHARED_TENANT, le.SLUGS).get(slug)
    event = None if row is None else le.load(twin, str(row["tenant"]), str(row["event_id"]))
    if row is None or event is None or event["status"] == "draft":
        raise NotFound("Event not found", details=_UNKNOWN)
    return str(row["tenant"]), event


def watch_state(event: dict[str, Any], authorised: bool, has_replay: bool) -> str:
    status = event["status"]
    if status in ("scheduled", "ready"):
        return "not_started"
    if status == "rehearsal":
        return "rehearsal_hidden"
    if status == "live":
        return "live" if authorised else "access_required"
    if status in ("ending", "processing"):
        return "processing_replay"
    if status == "ended":
        return "replay_available" if has_replay else "ended_no_replay"
    return "cancelled" if status == "cancelled" else "not_started"


def playback(twin: Twin, tenant: str, base_url: str, event: dict[str, Any], authorised: bool) -> dict[str, Any]:
    """``watch_state``, ``playback_mode`` and the playback objects a viewer with (or without) access sees."""
    replay = le.replay(twin, tenant, base_url, event)
    state = watch_state(event, authorised, replay is not None)
    live = authorised and state == "live"
    shown_replay = replay if authorised and state == "replay_available" else None
    return {
        "watch_state": state, "playback_mode": "live" if live else "replay" if shown_replay else "none",
        "live_playback": {"hls_url": f"https://live.wayscloud.services/hls/live/{event['stream_key_prefix']}"
                                     f"{str(event['id'])[:7]}/index.m3u8", "protocol": "hls"} if live else None,
        "replay_playback": shown_replay,
    }


def public_view(twin: Twin, tenant: str, base_url: str, event: dict[str, Any]) -> dict[str, Any]:
    mode = event["visibility_mode"]
    seen = playback(twin, tenant, base_url, event, mode == "public")
    answer: dict[str, Any] = {
        "event_id": event["id"], "slug": event["slug"], "name": event["name"], "description": event.get("description"),
        "status": event["status"], "visibility_mode": mode, "requires_auth": mode != "public",
        "auth_type": None if mode == "public" else mode, "timezone": event["timezone"],
        "countdown_enabled": event["status"] in ("scheduled", "ready") and bool(event.get("scheduled_start_at")),
        "embed_enabled": event["embed_enabled"], "banner_url": None, "logo_url": None, **seen,
    }
    for name in ("scheduled_start_at", "scheduled_end_at", "actual_start_at", "actual_end_at"):
        answer[name] = event.get(name)
    if seen["replay_playback"] is not None or seen["watch_state"] == "replay_available":
        answer["replay_published_at"] = event.get("updated_at")
    return answer


def _grant(twin: Twin, tenant: str, event: dict[str, Any], token_id: str | None, base_url: str) -> dict[str, Any]:
    now = twin.clock.now()
    grant = "ag_" + secrets.token_urlsafe(32)[:43]
    twin.collection(SHARED_TENANT, GRANTS).put(grant, {
        "tenant": tenant, "event_id": event["id"], "token_id": token_id, "expires_at": now + GRANT_SECONDS,
        "consumed": False})
    return {"verified": True, "access_grant": grant, "access_grant_expires_at": le.iso(twin, now + GRANT_SECONDS),
            **playback(twin, tenant, base_url, event, True)}


def _wrong_mode(what: str) -> TwinError:
    return TwinError(f"Event is not {what}-protected", status=400, field="path.slug",
                     details={"detail": f"Event is not {what}-protected"})


def verify_password(twin: Twin, slug: str, password: str, base_url: str) -> dict[str, Any]:
    tenant, event = resolve(twin, slug)
    if event["visibility_mode"] != "password":
        raise _wrong_mode("password")
    if not hmac.compare_digest(sha256(password), str(event.get("_password_sha256") or "")):
        raise Forbidden("Invalid password", details={"detail": "Invalid password"})
    return _grant(twin, tenant, event, None, base_url)


def verify_token(twin: Twin, slug: str, token: str, base_url: str) -> dict[str, Any]:
    tenant, event = resolve(twin, slug)
    if event["visibility_mode"] != "token":
        raise _wrong_mode("token")
    found = twin.collection(tenant, TOKENS).find_one(_sha256=sha256(token))
    if found is None or found["event_id"] != event["id"] or found.get("revoked_at"):
        raise Forbidden("Invalid token", details={"detail": "Invalid token"})
    expires = le.parse_time(found.get("expires_at"))
    if expires is not None and expires <= twin.clock.now():
        raise Forbidden("Token expired", details={"detail": "Token expired"})
    if found.get("max_uses") is not None and uses(twin, str(found["id"])) >= int(found["max_uses"]):
        raise Forbidden("Token used up", details={"detail": "Token usage limit reached"})
    return _grant(twin, tenant, event, str(found["id"]), base_url)


def uses(twin: Twin, token_id: str) -> int:
    return int(twin.store.counters(USES, token_id).get("uses", 0))


def consume(twin: Twin, slug: str, grant: str) -> dict[str, Any]:
    tenant, event = resolve(twin, slug)
    grants = twin.collection(SHARED_TENANT, GRANTS)
    row = grants.get(grant)
    if row is None or row["event_id"] != event["id"]:
        raise Forbidden("Invalid access grant", details={"detail": "Invalid access grant"})
    if row["consumed"]:
        return {"consumed": True, "already_consumed": True}
    if float(row["expires_at"]) <= twin.clock.now():
        raise Forbidden("Access grant expired", details={"detail": "Access grant expired"})
    # The first consumer of the grant wins it (one guarded step), so a use is never counted twice.
    if twin.store.adjust(f"{GRANTS}:consumed", grant, {"n": 1}, within={"n": (0, 1)}) is None:
        return {"consumed": True, "already_consumed": True}
    token_id = row.get("token_id")
    if token_id:
        token = twin.collection(tenant, TOKENS).get(str(token_id))
        limit = None if token is None or token.get("max_uses") is None else int(token["max_uses"])
        if twin.store.adjust(USES, str(token_id), {"uses": 1},
                             within=None if limit is None else {"uses": (0, limit)}) is None:
            raise Forbidden("Token used up", details={"detail": "Token usage limit reached"})
    grants.put(grant, {**row, "consumed": True})
    twin.store.adjust(VIEWERS, str(event["id"]), {"viewers": 1})
    if event["status"] == "live" and event["_sessions"]:
        twin.store.adjust(VIEWERS, f"session:{event['_sessions'][-1]['id']}", {"viewers": 1})
    return {"consumed": True, "already_consumed": False}


def viewers(twin: Twin, key: str) -> int:
    return int(twin.store.counters(VIEWERS, key).get("viewers", 0))


def create_token(twin: Twin, tenant: str, event: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    now = twin.clock.now()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(24)[:32]
    tid = f"tok-{uuid.uuid4()}"
    expires = le.parse_time(body.get("expires_at"), "expires_at")
    record: dict[str, Any] = {
        "id": tid, "event_id": event["id"], "token_prefix": TOKEN_PREFIX.rstrip("_"), "label": body.get("label"),
        "max_uses": body.get("max_uses"), "valid_from": le.iso(twin, now),
        "expires_at": None if expires is None else le.iso(twin, expires), "created_at": le.iso(twin, now),
        "_sha256": sha256(secret),
    }
    twin.collection(tenant, TOKENS).put(tid, record)
    return {**token_view(twin, record), "token": secret}


def token_view(twin: Twin, record: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in record.items() if not k.startswith("_") and k != "event_id" and v is not None}
    shown["used_count"] = uses(twin, str(record["id"]))
    return shown


def tokens_of(twin: Twin, tenant: str, event_id: str) -> list[dict[str, Any]]:
    found = twin.collection(tenant, TOKENS).find({"event_id": event_id}, newest_first=True, limit=1000).items
    return [token_view(twin, t) for t in found]
