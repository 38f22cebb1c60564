"""Live Events: draft -> ready -> rehearsal -> live -> stop -> ended with a replay that downloads; password and
token access with one-use grants; state rules answer 409; plan limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant

EVENTS = f"{API}/live-events/events"
WATCH = f"{API}/live-events/watch"


def advance(client: TestClient, seconds: float) -> None:
    assert client.post("/_twinstack/clock/advance", json={"seconds": seconds}).status_code == 200


def create(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = client.post(EVENTS, headers=tenant.service, json={"name": "Product Demo", **body})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def act(client: TestClient, tenant: Tenant, event_id: str, action: str) -> Any:
    return client.post(f"{EVENTS}/{event_id}/{action}", headers=tenant.service)


def event(client: TestClient, tenant: Tenant, event_id: str) -> dict[str, Any]:
    response = client.get(f"{EVENTS}/{event_id}", headers=tenant.service)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_the_lifecycle_ends_with_a_replay_that_downloads(make_client: Callable[..., TestClient]) -> None:
    client = make_client(speed="realistic")
    made = tenant_credentials(client)
    tenant = Tenant(made["id"], made["credentials"]["wayscloud"]["api_key"], made["credentials"]["wayscloud"]["pat"])
    created = create(client, tenant)
    eid, slug = created["id"], created["slug"]
    assert created["status"] == "draft" and len(created["stream_key"]) == 43
    assert created["stream_key_prefix"] == created["stream_key"][:8] and slug.startswith("product-demo-")
    assert "stream_key" not in event(client, tenant, eid)
    assert client.get(f"{WATCH}/{slug}").status_code == 404  # a draft is not public
    assert act(client, tenant, eid, "rehearsal/start").status_code == 409
    advance(client, 6)
    assert event(client, tenant, eid)["status"] == "ready"
    assert client.get(f"{WATCH}/{slug}").json()["watch_state"] == "not_started"
    assert act(client, tenant, eid, "live/stop").json() == {"detail": "Event must be live or in rehearsal to stop"}
    assert act(client, tenant, eid, "rehearsal/start").json()["status"] == "rehearsal"
    assert client.get(f"{WATCH}/{slug}").json()["watch_state"] == "rehearsal_hidden"
    live = act(client, tenant, eid, "live/start").json()
    assert live["status"] == "live" and live["stream_status"] == "active" and live["actual_start_at"]
    watch = client.get(f"{WATCH}/{slug}").json()
    assert watch["watch_state"] == "live" and watch["playback_mode"] == "live" and watch["live_playback"]["hls_url"]
    assert client.patch(f"{EVENTS}/{eid}", headers=tenant.service, json={"name": "x"}).status_code == 409
    assert client.delete(f"{EVENTS}/{eid}", headers=tenant.service).status_code == 409
    assert act(client, tenant, eid, "stream-key/rotate").status_code == 409
    health = client.get(f"{EVENTS}/{eid}/health", headers=tenant.service).json()
    assert health["encoder_connected"] and health["recording_active"] and health["session_status"] == "active"
    advance(client, 90)
    stopped = act(client, tenant, eid, "live/stop").json()
    assert stopped["status"] == "ending" and stopped["stream_status"] == "disconnected"
    assert client.get(f"{WATCH}/{slug}").json()["watch_state"] == "processing_replay"
    advance(client, 11)
    assert event(client, tenant, eid)["status"] == "processing"
    advance(client, 350)
    done = event(client, tenant, eid)
    assert done["status"] == "ended" and done["recording_count"] == 1
    [recording] = client.get(f"{EVENTS}/{eid}/recordings", headers=tenant.service).json()["recordings"]
    assert recording["processing_status"] == "completed" and recording["duration_seconds"] >= 90
    watch = client.get(f"{WATCH}/{slug}").json()
    assert watch["watch_state"] == "replay_available" and watch["playback_mode"] == "replay"
    url = watch["replay_playback"]["url"]
    downloaded = client.get(url[url.index("/wayscloud/"):])
    assert downloaded.status_code == 200 and downloaded.headers["content-type"].startswith("video/mp4")
    assert downloaded.content[4:8] == b"ftyp" and len(downloaded.content) == recording["size_bytes"]
    tampered = client.get(url[url.index("/wayscloud/"):].replace("signature=", "signature=0"))
    assert tampered.status_code == 403
    [session] = client.get(f"{EVENTS}/{eid}/sessions", headers=tenant.service).json()["sessions"]
    assert session["status"] == "ended" and session["recording_id"] == recording["id"]
    stats = client.get(f"{EVENTS}/{eid}/stats", headers=tenant.service).json()
    assert stats["total_sessions"] == 1 and stats["total_recordings"] == 1 and stats["total_duration_seconds"] >= 90
    advance(client, 7 * 24 * 3600 + 1)
    assert client.get(url[url.index("/wayscloud/"):]).status_code == 403


def test_token_access_grants_are_spent_once(client: TestClient, tenant: Tenant) -> None:
    created = create(client, tenant, visibility_mode="token", slug="board-meeting")
    eid = created["id"]
    token = client.post(f"{EVENTS}/{eid}/tokens", headers=tenant.service, json={"label": "VIP", "max_uses": 2})
    assert token.status_code == 201 and token.json()["token"].startswith("wayscloud_le_")
    secret = token.json()["token"]
    act(client, tenant, eid, "live/start")
    watch = client.get(f"{WATCH}/board-meeting").json()
    assert watch["watch_state"] == "access_required" and watch["live_playback"] is None and watch["requires_auth"]
    assert client.post(f"{WATCH}/board-meeting/verify-password", json={"password": "x"}).status_code == 400
    assert client.post(f"{WATCH}/board-meeting/verify-token", json={"token": "wayscloud_le_nope"}).status_code == 403
    grants = []
    for _ in range(3):
        verified = client.post(f"{WATCH}/board-meeting/verify-token", json={"token": secret})
        assert verified.status_code == 200 and verified.json()["watch_state"] == "live"
        assert verified.json()["live_playback"]["hls_url"]
        grants.append(verified.json()["access_grant"])
    assert all(g.startswith("ag_") and len(g) == 46 for g in grants)
    consume = f"{WATCH}/board-meeting/consume-grant"
    assert client.post(consume, json={"access_grant": grants[0]}).json() == {"consumed": True, "already_consumed": False}
    assert client.post(consume, json={"access_grant": grants[0]}).json() == {"consumed": True, "already_consumed": True}
    assert client.post(consume, json={"access_grant": grants[1]}).json()["already_consumed"] is False
    [listed] = client.get(f"{EVENTS}/{eid}/tokens", headers=tenant.service).json()["tokens"]
    assert listed["used_count"] == 2 and "token" not in listed
    used_up = client.post(f"{WATCH}/board-meeting/verify-token", json={"token": secret})
    assert used_up.status_code == 403 and used_up.json() == {"detail": "Token usage limit reached"}
    over = client.post(consume, json={"access_grant": grants[2]})
    assert over.status_code == 403
    assert client.post(consume, json={"access_grant": "ag_unknown"}).json() == {"detail": "Invalid access grant"}
    stats = client.get(f"{EVENTS}/{eid}/stats", headers=tenant.service).json()
    assert stats["total_unique_viewers"] == 2 and stats["peak_concurrent_viewers"] == 2


def test_password_access_and_expired_grants(client: TestClient, tenant: Tenant) -> None:
    missing = client.post(EVENTS, headers=tenant.service, json={"name": "Private", "visibility_mode": "password"})
    assert missing.status_code == 422 and "password" in str(missing.json()["detail"])
    created = create(client, tenant, name="Private", visibility_mode="password", password="MyEventPass2026")
    slug = created["slug"]
    act(client, tenant, created["id"], "live/start")
    wrong = client.post(f"{WATCH}/{slug}/verify-password", json={"password": "guess"})
    assert wrong.status_code == 403 and wrong.json() == {"detail": "Invalid password"}
    assert client.post(f"{WATCH}/{slug}/verify-token", json={"token": "x"}).status_code == 400
    granted = client.post(f"{WATCH}/{slug}/verify-password", json={"password": "MyEventPass2026"}).json()
    assert granted["verified"] and granted["playback_mode"] == "live"
    advance(client, 16 * 60)
    late = client.post(f"{WATCH}/{slug}/consume-grant", json={"access_grant": granted["access_grant"]})
    assert late.status_code == 403 and late.json() == {"detail": "Access grant expired"}


def test_slugs_are_global_and_plan_limits_hold(client: TestClient, tenant: Tenant) -> None:
    create(client, tenant, slug="launch")
    other = tenant_credentials(client)["credentials"]["wayscloud"]["api_key"]
    taken = client.post(EVENTS, headers={"X-API-Key": other}, json={"name": "Launch", "slug": "launch"})
    assert taken.status_code == 409 and taken.json() == {"detail": "An event with this slug already exists"}
    ids = [create(client, tenant, name=f"Event {n}")["id"] for n in range(19)]
    over = client.post(EVENTS, headers=tenant.service, json={"name": "One too many"})
    assert over.status_code == 429 and over.headers["retry-after"]
    limits = client.get(f"{API}/live-events/limits", headers=tenant.service).json()
    assert limits["events_used_this_month"] == 20 and limits["max_events_per_month"] == 20
    assert act(client, tenant, ids[0], "live/start").status_code == 200
    assert act(client, tenant, ids[1], "rehearsal/start").status_code == 200
    third = act(client, tenant, ids[2], "live/start")
    assert third.status_code == 409 and third.json() == {"detail": "Plan concurrent event limit reached"}
    listed = client.get(EVENTS, headers=tenant.service, params={"status": "live"}).json()
    assert [e["id"] for e in listed["events"]] == [ids[0]] and listed["total"] == 1
    assert client.get(EVENTS, headers=tenant.service, params={"limit": 5}).json()["total"] == 20
    assert client.delete(f"{EVENTS}/{ids[3]}", headers=tenant.service).status_code == 204
    assert client.get(f"{EVENTS}/{ids[3]}", headers=tenant.service).status_code == 404
    rotated = act(client, tenant, ids[4], "stream-key/rotate").json()
    assert len(rotated["stream_key"]) == 43 and event(client, tenant, ids[4])["stream_key_prefix"] == rotated["stream_key"][:8]
    patched = client.patch(f"{EVENTS}/{ids[4]}", headers=tenant.service, json={"name": "Renamed"})
    assert patched.status_code == 200 and patched.json()["name"] == "Renamed"
    assert client.get(f"{EVENTS}/{ids[0]}", headers={"X-API-Key": other}).status_code == 404


def test_times_python_cannot_place_are_named(client: TestClient, tenant: Tenant) -> None:
    leap = client.post(EVENTS, headers=tenant.service, json={"name": "x", "scheduled_start_at": "2016-12-31T23:59:60Z"})
    assert leap.status_code == 422 and "scheduled_start_at" in str(leap.json()["detail"])
    edge = client.post(EVENTS, headers=tenant.service, json={"name": "x", "scheduled_end_at": "9999-12-31T23:59:59-23:59"})
    assert edge.status_code == 422 and "scheduled_end_at" in str(edge.json()["detail"])
    assert client.get(f"{API}/live-events/limits", headers=tenant.service).json()["events_used_this_month"] == 0
