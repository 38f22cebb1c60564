"""ODIN sessions and the simulated bot through HTTP: brief scenarios 1 (first transcript) and 3 (moderation)."""

from __future__ import annotations

import io
import json
import threading
import wave
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant
from tests.packs.odin.test_events import flush, ingest_headers, project_events


def _p(tenant: Tenant) -> str:
    return f"{API}/projects/{tenant.project_id}"


def access_key(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    made = client.post(f"{_p(tenant)}/voice/access-keys", headers=tenant.bearer_headers, json={"name": "bot key"})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def configure(client: TestClient, tenant: Tenant, **extra: Any) -> dict[str, Any]:
    key = access_key(client, tenant)
    settings = client.put(f"{_p(tenant)}/settings", headers=tenant.key_headers, json={
        "tokenProviderType": "access_key", "accessKeyConfig": {"accessKey": key["accessKey"], "botUserId": "cortex-bot"},
        **extra})
    assert settings.status_code == 200, settings.text
    return key


def speak(client: TestClient, tenant: Tenant, room: str, user: str, text: str, name: str | None = None) -> Any:
    response = client.post("/_twinstack/odin/speak", json={
        "tenant": tenant.id, "projectId": tenant.project_id, "roomId": room, "userId": user, "text": text,
        **({"name": name} if name else {})})
    assert response.status_code == 200, response.text
    return response.json()


def new_session(client: TestClient, tenant: Tenant, room: str = "lobby", **extra: Any) -> dict[str, Any]:
    made = client.post(f"{_p(tenant)}/sessions", headers=tenant.key_headers,
                       json={"title": "Raid night", "externalRoomId": room, **extra})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def test_first_transcript(client: TestClient, tenant: Tenant) -> None:
    configure(client, tenant)
    secret_sync = client.post(f"{_p(tenant)}/settings/sync-secret", headers=tenant.key_headers)
    assert secret_sync.status_code == 200
    secret = client.get(f"{_p(tenant)}/settings/secret", headers=tenant.key_headers).json()["secret"]
    summary = client.post(f"{_p(tenant)}/plugins/instances", headers=tenant.key_headers,
                          json={"pluginId": "session-summary"})
    assert summary.status_code == 201, summary.text
    session = new_session(client, tenant)
    assert session["status"] == "active" and session["projectId"] == tenant.project_id
    assert session["gateway"] == "gateway.odin.4players.io" and session["tenantId"] == tenant.id
    flush(client)
    for peer, user, name in ((1, "odin-anna", "Anna"), (2, "odin-ben", "Ben")):
        body = json.dumps({"type": "participant.joined", "source": "voice:server", "resourceId": f"session:{session['id']}",
                           "payload": {"action": "occurred",
                                       "data": {"sessionId": session["id"], "peerId": peer, "userId": user, "name": name}}})
        sent = client.post(f"{API}/events/ingest", content=body.encode(),
                           headers=ingest_headers(secret, tenant.project_id, body.encode()))
        assert sent.status_code == 201, sent.text
    flush(client)
    speak(client, tenant, "lobby", "odin-anna", "Hello Ben, I'll pull the boss at nine")
    speak(client, tenant, "lobby", "odin-ben", "Great, we should bring potions")
    messages = client.get(f"{_p(tenant)}/sessions/{session['id']}/messages", headers=tenant.key_headers).json()
    assert [(m["type"], m["senderName"]) for m in messages] == [
        ("system", "[System]"), ("system", "[System]"), ("user", "Anna"), ("user", "Ben")]
    assert messages[0]["content"] == "Anna joined the room" and messages[2]["content"].startswith("Hello Ben")
    people = client.get(f"{_p(tenant)}/participants", headers=tenant.key_headers).json()
    assert people["total"] == 2 and {p["externalUserId"] for p in people["participants"]} == {"odin-anna", "odin-ben"}
    created = project_events(client, tenant, "message.created")
    assert [e["source"] for e in created] == ["cortex:bot"] * 4
    assert created[2]["payload"]["data"]["externalUserId"] == "odin-anna" and created[0]["payload"]["data"]["externalUserId"] is None
    bot = [e["payload"]["data"]["status"] for e in project_events(client, tenant, "bot.status.changed")]
    assert bot == ["starting", "running"]

    stopped = client.post(f"{_p(tenant)}/sessions/{session['id']}/stop", headers=tenant.key_headers)
    assert stopped.status_code == 201 and stopped.json() == {"message": "Bot stop command sent"}
    assert client.get(f"{_p(tenant)}/sessions/{session['id']}", headers=tenant.key_headers).json()["status"] == "ended"
    [ended] = [e for e in project_events(client, tenant, "session.updated")]
    assert ended["payload"]["changes"] == {"status": "active"} and ended["payload"]["data"]["status"] == "ended"
    annotations = client.get(f"{API}/plugins/annotations/sessions/{session['id']}", headers=tenant.key_headers).json()
    [made] = annotations
    assert made["type"] == "summary" and made["sessionId"] == session["id"]
    assert {s["name"] for s in made["data"]["speakers"]} == {"Anna", "Ben"} and made["data"]["messageCount"] == 2
    assert project_events(client, tenant, "session.annotation.created")[0]["payload"]["data"]["annotationId"] == made["id"]
    actions = client.get(f"{_p(tenant)}/sessions/{session['id']}/actions", headers=tenant.key_headers).json()
    assert actions["plugins"][0]["pluginSlug"] == "session-summary"
    assert actions["plugins"][0]["actions"][0]["id"] == "generate-minutes"
    regenerated = client.post(f"{_p(tenant)}/sessions/{session['id']}/regenerate-summary", headers=tenant.key_headers)
    assert regenerated.status_code == 200
    flush(client)
    again = client.get(f"{API}/plugins/annotations/sessions/{session['id']}", headers=tenant.key_headers).json()
    assert len(again) == 1 and again[0]["id"] != made["id"]
    # Once ended, nothing more is transcribed.
    speak(client, tenant, "lobby", "odin-anna", "anyone there?")
    assert len(client.get(f"{_p(tenant)}/sessions/{session['id']}/messages", headers=tenant.key_headers).json()) == 4


def test_profanity_filter_annotates_a_blocked_word(client: TestClient, tenant: Tenant) -> None:
    configure(client, tenant)
    bad = client.post(f"{_p(tenant)}/plugins/instances", headers=tenant.key_headers,
                      json={"pluginId": "profanity-filter", "settings": {"threshold": 3}})
    assert bad.status_code == 400 and bad.json()["message"] == ["settings.threshold must not be greater than 1"]
    instance = client.post(f"{_p(tenant)}/plugins/instances", headers=tenant.key_headers,
                           json={"pluginId": "profanity-filter", "settings": {"blockedWords": ["noob"]}})
    assert instance.status_code == 201, instance.text
    assert instance.json()["isEnabled"] is True and instance.json()["projectId"] == tenant.project_id
    twice = client.post(f"{_p(tenant)}/plugins/instances", headers=tenant.key_headers, json={"pluginId": "profanity-filter"})
    assert twice.status_code == 400
    session = new_session(client, tenant, room="arena")
    said = speak(client, tenant, "arena", "odin-troll", "you are such a NOOB", name="Troll")
    [message] = said["messages"]
    [note] = message["annotations"]
    assert note["type"] == "profanity" and note["data"]["matches"] == ["NOOB"]
    assert note["pluginInstanceId"] == instance.json()["id"]
    [event] = project_events(client, tenant, "message.annotation.created")
    assert event["resourceId"] == f"message:{message['id']}" and event["source"] == "cortex:plugin"
    assert event["payload"]["data"]["externalUserId"] == "odin-troll"
    clean = speak(client, tenant, "arena", "odin-troll", "good game everyone")
    assert clean["messages"][0]["annotations"] == []
    batch = client.post(f"{API}/plugins/annotations/messages/batch", headers=tenant.key_headers,
                        json={"messageIds": [message["id"], clean["messages"][0]["id"], "unknown"]}).json()
    assert set(batch) == {message["id"], clean["messages"][0]["id"]} and batch[message["id"]][0]["id"] == note["id"]
    assert client.post(f"{API}/plugins/annotations/messages/batch", headers=tenant.key_headers, json={}).json() == {}
    listed = client.get(f"{_p(tenant)}/plugins/instances", headers=tenant.key_headers).json()
    assert listed[0]["plugin"]["slug"] == "profanity-filter"
    off = client.put(f"{_p(tenant)}/plugins/instances/{instance.json()['id']}", headers=tenant.key_headers,
                     json={"isEnabled": False})
    assert off.json()["isEnabled"] is False
    assert speak(client, tenant, "arena", "odin-troll", "noob")["messages"][0]["annotations"] == []
    gone = client.delete(f"{_p(tenant)}/plugins/instances/{instance.json()['id']}", headers=tenant.key_headers)
    assert gone.json() == {"message": "Plugin instance deleted"}
    assert client.get(f"{_p(tenant)}/plugins/instances/{instance.json()['id']}", headers=tenant.key_headers).status_code == 404
    assert session["id"]


def test_debug_audio_is_a_wav_for_a_day(client: TestClient, tenant: Tenant) -> None:
    configure(client, tenant, debugAudioEnabled=True)
    session = new_session(client, tenant, room="studio")
    [message] = speak(client, tenant, "studio", "odin-vox", "one two three")["messages"]
    assert message["hasDebugAudio"] is True
    url = f"{_p(tenant)}/sessions/{session['id']}/messages/{message['id']}/debug-audio"
    audio = client.get(url, headers=tenant.key_headers)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(audio.content)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (1, 16000, 2)
        assert abs(wav.getnframes() / 16000 - 3 * 0.35) < 0.01
    system = client.get(f"{_p(tenant)}/sessions/{session['id']}/messages", headers=tenant.key_headers).json()[0]
    assert system["type"] == "system"
    assert client.get(f"{_p(tenant)}/sessions/{session['id']}/messages/{system['id']}/debug-audio",
                      headers=tenant.key_headers).status_code == 404
    assert client.post("/_twinstack/clock/advance", json={"seconds": 24 * 3600 + 1}).status_code == 200
    assert client.get(url, headers=tenant.key_headers).status_code == 404


def test_idle_room_ends_the_session(client: TestClient, tenant: Tenant) -> None:
    configure(client, tenant)
    session = new_session(client, tenant, room="quiet", idleTimeout=60)
    speak(client, tenant, "quiet", "odin-a", "bye")
    assert client.post("/_twinstack/odin/leave", json={"tenant": tenant.id, "projectId": tenant.project_id,
                                                       "roomId": "quiet", "userId": "odin-a"}).status_code == 200
    assert client.post("/_twinstack/clock/advance", json={"seconds": 59}).status_code == 200
    url = f"{_p(tenant)}/sessions/{session['id']}"
    assert client.get(url, headers=tenant.key_headers).json()["status"] == "active"
    assert client.post("/_twinstack/clock/advance", json={"seconds": 2}).status_code == 200
    assert client.get(url, headers=tenant.key_headers).json()["status"] == "ended"
    texts = [m["content"] for m in client.get(f"{url}/messages", headers=tenant.key_headers).json()]
    assert texts == ["odin-a joined the room", "bye", "odin-a left the room"]


class TokenService:
    """A user's token webservice on 127.0.0.1: answers ``{"data": {"token"}}`` or fails, and keeps the requests."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.requests: list[tuple[dict[str, str], bytes]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                owner.requests.append((dict(self.headers.items()), self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"data": {"token": "ws-token"}}).encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def token_service() -> Iterator[TokenService]:
    made = TokenService(200)
    yield made
    made.server.shutdown()
    made.server.server_close()


def test_webservice_provider_is_really_called(client: TestClient, tenant: Tenant, token_service: TokenService) -> None:
    settings = client.put(f"{_p(tenant)}/settings", headers=tenant.key_headers, json={
        "tokenProviderType": "webservice", "webserviceConfig": {
            "url": token_service.url, "method": "POST", "headers": {"Authorization": "Bearer mine"},
            "bodyTemplate": '{"room": "{{roomId}}", "user": "{{userId}}"}', "responseTokenPath": "data.token"}})
    assert settings.status_code == 200 and settings.json()["isConfigured"] is True
    assert "headers" not in json.dumps(settings.json())
    new_session(client, tenant, room="web-room")
    flush(client)
    [(headers, body)] = token_service.requests
    assert headers["Authorization"] == "Bearer mine" and json.loads(body) == {"room": "web-room", "user": "cortex-bot"}
    assert [e["payload"]["data"]["status"] for e in project_events(client, tenant, "bot.status.changed")][-1] == "running"
    token_service.status = 500
    new_session(client, tenant, room="broken-room")
    flush(client)
    last = project_events(client, tenant, "bot.status.changed")[-1]["payload"]["data"]
    assert last["status"] == "error" and "500" in last["error"]
    assert speak(client, tenant, "broken-room", "odin-x", "hello?")["messages"] == []


def test_sessions_need_settings_and_name_bad_fields(client: TestClient, tenant: Tenant) -> None:
    unconfigured = client.post(f"{_p(tenant)}/sessions", headers=tenant.key_headers,
                               json={"title": "t", "externalRoomId": "r"})
    assert unconfigured.status_code == 400 and unconfigured.json()["message"] == "Project settings not configured"
    configure(client, tenant)
    missing = client.post(f"{_p(tenant)}/sessions", headers=tenant.key_headers, json={"title": "t"})
    assert missing.status_code == 400 and any("externalRoomId" in m for m in missing.json()["message"])
    negative = client.post(f"{_p(tenant)}/sessions", headers=tenant.key_headers,
                           json={"title": "t", "externalRoomId": "r", "idleTimeout": -1})
    assert negative.status_code == 400 and "idleTimeout" in negative.json()["message"][0]
    session = new_session(client, tenant, autoStart=False)
    assert project_events(client, tenant, "bot.status.changed") == []
    started = client.post(f"{_p(tenant)}/sessions/{session['id']}/start", headers=tenant.key_headers)
    assert started.status_code == 201 and started.json() == {"message": "Bot start command sent"}
    assert client.get(f"{_p(tenant)}/sessions/not-a-uuid", headers=tenant.key_headers).status_code == 404
    listed = client.get(f"{_p(tenant)}/sessions", headers=tenant.key_headers).json()
    assert [s["id"] for s in listed] == [session["id"]]
    other = {"X-API-Key": tenant_credentials(client)["credentials"]["odin"]["api_key"]}
    theirs = client.get(f"{API}/projects", headers=other).json()[0]["id"]
    assert client.get(f"{API}/projects/{theirs}/sessions/{session['id']}", headers=other).status_code == 404
    assert client.get(f"{_p(tenant)}/sessions/{session['id']}", headers=other).status_code == 403
    assert client.get(f"{API}/plugins/annotations/sessions/{session['id']}", headers=other).json() == []


def test_access_key_settings_are_validated_and_hidden(client: TestClient, tenant: Tenant) -> None:
    bad = client.put(f"{_p(tenant)}/settings", headers=tenant.key_headers, json={
        "tokenProviderType": "access_key", "accessKeyConfig": {"accessKey": "AK...", "botUserId": "bot"}})
    assert bad.status_code == 400 and bad.json()["message"] == ["accessKeyConfig.accessKey must be a valid ODIN access key"]
    key = configure(client, tenant)
    shown = client.get(f"{_p(tenant)}/settings", headers=tenant.key_headers).json()
    assert key["accessKey"] not in json.dumps(shown) and shown["botUserId"] == "cortex-bot"
    assert shown["isConfigured"] is True and shown["hasSecret"] is False and shown["debugAudioEnabled"] is False
    assert shown["e2eEncryptionMode"] == "disabled" and shown["appId"] == tenant.project_id
    assert client.patch(f"{_p(tenant)}/settings/e2e-encryption", headers=tenant.key_headers,
                        json={"mode": "manual"}).status_code == 400
    manual = client.patch(f"{_p(tenant)}/settings/e2e-encryption", headers=tenant.key_headers,
                          json={"mode": "manual", "password": "s3cret"})
    assert manual.status_code == 200 and manual.json()["e2eEncryptionPassword"] == "s3cret"
    changed = client.patch(f"{_p(tenant)}/settings", headers=tenant.key_headers, json={"e2eEncryptionPassword": "n3w"})
    assert changed.json()["e2eEncryptionMode"] == "manual" and changed.json()["e2eEncryptionPassword"] == "n3w"
    patched = client.patch(f"{_p(tenant)}/settings", headers=tenant.key_headers, json={"debugAudioEnabled": True})
    assert patched.json()["debugAudioEnabled"] is True and patched.json()["tokenProviderType"] == "access_key"
    switched = client.patch(f"{_p(tenant)}/settings", headers=tenant.key_headers, json={"tokenProviderType": "webservice"})
    assert switched.status_code == 400 and switched.json()["message"] == ["webserviceConfig should not be empty"]
    disabled = client.patch(f"{_p(tenant)}/settings/e2e-encryption", headers=tenant.key_headers, json={"mode": "disabled"})
    assert "e2eEncryptionPassword" not in disabled.json()
    assert client.get(f"{_p(tenant)}/settings/secret", headers=tenant.key_headers).status_code == 404
    assert client.delete(f"{_p(tenant)}/settings", headers=tenant.key_headers).status_code == 200
    assert client.get(f"{_p(tenant)}/settings", headers=tenant.key_headers).status_code == 404
    assert client.post(f"{_p(tenant)}/settings/sync-secret", headers=tenant.key_headers).status_code == 400


def test_moderation_scenario(client: TestClient, tenant: Tenant) -> None:
    """Brief scenario 3: a blocked word spoken -> annotation event -> a one-hour mute that expires on the clock."""
    configure(client, tenant)
    client.post(f"{_p(tenant)}/plugins/instances", headers=tenant.key_headers, json={"pluginId": "profanity-filter"})
    new_session(client, tenant, room="ranked")
    said = speak(client, tenant, "ranked", "odin-rude", "what the shit was that", name="Rude")
    [event] = project_events(client, tenant, "message.annotation.created")
    assert event["payload"]["data"]["messageId"] == said["messages"][0]["id"]
    offender = event["payload"]["data"]["externalUserId"]
    now = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    end = datetime.fromisoformat(now) + timedelta(hours=1)
    sanctions = f"{_p(tenant)}/sanctions"
    mute = client.post(sanctions, headers=tenant.key_headers, json={
        "externalUserId": offender, "type": "mute", "reason": "profanity",
        "endAt": end.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
    assert mute.status_code == 201, mute.text
    active = client.get(f"{sanctions}/user/{offender}/active", headers=tenant.key_headers).json()
    assert [s["id"] for s in active] == [mute.json()["id"]]
    assert client.post("/_twinstack/clock/advance", json={"seconds": 3600}).status_code == 200
    assert client.get(f"{sanctions}/user/{offender}/active", headers=tenant.key_headers).json() == []
    assert client.get(f"{sanctions}/{mute.json()['id']}", headers=tenant.key_headers).json()["status"] == "expired"


def test_peer_limit_refuses_a_peer_and_presence_feeds_analytics(client: TestClient, tenant: Tenant) -> None:
    configure(client, tenant)
    limit = client.put(f"{_p(tenant)}/voice/peer-limit", headers=tenant.bearer_headers, json={"peerLimit": 1})
    assert limit.status_code == 200, limit.text
    session = new_session(client, tenant, room="tiny")
    start = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    assert speak(client, tenant, "tiny", "odin-first", "I am in")["messages"]
    assert speak(client, tenant, "tiny", "odin-second", "let me in")["messages"] == []
    texts = [m["content"] for m in client.get(f"{_p(tenant)}/sessions/{session['id']}/messages",
                                              headers=tenant.key_headers).json()]
    assert texts == ["odin-first joined the room", "I am in"]
    assert client.post("/_twinstack/clock/advance", json={"seconds": 600}).status_code == 200
    since = int(datetime.fromisoformat(start).timestamp()) - 60
    analytics = client.get(f"{_p(tenant)}/voice/analytics", headers=tenant.bearer_headers, params={"start": since})
    assert analytics.status_code == 200, analytics.text
    assert analytics.json()["peak"] and max(count for _, count in analytics.json()["peak"]) == 1
