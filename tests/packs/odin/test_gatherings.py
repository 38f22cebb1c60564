"""ODIN gatherings through HTTP: join codes, the member limit, the lifecycle and its events, isolation."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant


def _url(tenant: Tenant, rest: str = "") -> str:
    return f"{API}/projects/{tenant.project_id}/gatherings{rest}"


def _participant(client: TestClient, tenant: Tenant, user: str) -> str:
    made = client.post(f"{API}/projects/{tenant.project_id}/participants", headers=tenant.key_headers,
                       json={"externalUserId": user, "displayName": user.title()})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _event_types(client: TestClient, tenant: Tenant) -> list[str]:
    store = client.app.state.runtime.store  # type: ignore[attr-defined]
    return [e["type"] for e in store.find("odin", tenant.id, "events", where={"projectId": tenant.project_id}).items]


def _hyphenated_lower(code: str) -> str:
    return f"{code[:4]}-{code[4:]}".lower()


def test_a_lobby_is_joined_by_code_until_full_then_started_and_ended(client: TestClient, tenant: Tenant) -> None:
    p1, p2, p3 = (_participant(client, tenant, u) for u in ("p1", "p2", "p3"))
    made = client.post(_url(tenant), headers=tenant.key_headers,
                       json={"name": "Friday Game Night", "type": "lobby", "maxMembers": 2, "ownerId": p1})
    assert made.status_code == 201, made.text
    lobby = made.json()
    assert lobby["projectId"] == tenant.project_id and lobby["tenantId"] == tenant.id
    assert lobby["memberCount"] == 1 and lobby["status"] == "active" and lobby["ownerId"] == p1
    code = lobby["joinCode"]
    assert len(code) == 8 and code.isupper() and not set(code) & set("01OI")
    assert lobby["roomId"] == code

    looked = client.get(_url(tenant, f"/lookup/{_hyphenated_lower(code)}"), headers=tenant.key_headers)
    assert looked.status_code == 200 and looked.json()["id"] == lobby["id"]
    joined = client.post(_url(tenant, "/join"), headers=tenant.key_headers,
                         json={"joinCode": _hyphenated_lower(code), "participantId": p2})
    assert joined.status_code == 200, joined.text
    assert joined.json()["success"] is True and joined.json()["gathering"]["memberCount"] == 2
    member = joined.json()["member"]
    assert member["participantId"] == p2 and member["status"] == "joined" and member["displayName"] == "P2"

    full = client.post(_url(tenant, "/join"), headers=tenant.key_headers, json={"joinCode": code, "participantId": p3})
    assert full.status_code == 200 and full.json()["success"] is False and full.json()["error"] == "Gathering is full"

    ready = client.patch(_url(tenant, f"/{lobby['id']}/members/{member['id']}"), headers=tenant.key_headers,
                         json={"status": "ready"})
    assert ready.status_code == 200 and ready.json()["status"] == "ready" and ready.json()["readyAt"]
    detail = client.get(_url(tenant, f"/{lobby['id']}"), headers=tenant.key_headers,
                        params={"includeMembers": "true"}).json()
    assert detail["memberCount"] == 2
    assert {m["participantId"]: m["status"] for m in detail["members"]} == {p1: "joined", p2: "ready"}

    started = client.post(_url(tenant, f"/{lobby['id']}/start"), headers=tenant.key_headers, json={"roomId": "room-9"})
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "started" and started.json()["roomId"] == "room-9"
    assert client.get(_url(tenant), headers=tenant.key_headers, params={"status": "started"}).json()["total"] == 1
    assert client.get(_url(tenant), headers=tenant.key_headers, params={"status": "pending"}).json()["total"] == 0
    ended = client.post(_url(tenant, f"/{lobby['id']}/end"), headers=tenant.key_headers)
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert client.post(_url(tenant, f"/{lobby['id']}/end"), headers=tenant.key_headers).status_code == 400

    types = _event_types(client, tenant)
    for kind in ("gathering.created", "gathering.member.joined", "gathering.member.ready", "gathering.started",
                 "gathering.ended"):
        assert kind in types, kind
    assert types.count("gathering.member.joined") == 2


def test_a_member_who_leaves_frees_a_place(client: TestClient, tenant: Tenant) -> None:
    p1, p2 = _participant(client, tenant, "a1"), _participant(client, tenant, "a2")
    lobby = client.post(_url(tenant), headers=tenant.key_headers,
                        json={"name": "duo", "type": "lobby", "maxMembers": 2}).json()
    assert lobby["status"] == "pending" and lobby["memberCount"] == 0
    client.post(_url(tenant, "/join"), headers=tenant.key_headers, json={"joinCode": lobby["joinCode"], "participantId": p1})
    client.post(_url(tenant, "/join"), headers=tenant.key_headers, json={"joinCode": lobby["joinCode"], "participantId": p2})
    removed = client.delete(_url(tenant, f"/{lobby['id']}/members/{p1}"), headers=tenant.key_headers)
    assert removed.status_code == 204
    after = client.get(_url(tenant, f"/{lobby['id']}"), headers=tenant.key_headers).json()
    assert after["memberCount"] == 1 and after["status"] == "active"
    assert [m["participantId"] for m in client.get(_url(tenant, f"/{lobby['id']}/members"),
                                                   headers=tenant.key_headers).json()] == [p2]
    assert "gathering.member.left" in _event_types(client, tenant)


def test_a_cancelled_gathering_stays_readable_and_is_listed_by_status(client: TestClient, tenant: Tenant) -> None:
    made = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "x", "type": "open"}).json()
    assert made["status"] == "active"
    cancelled = client.delete(_url(tenant, f"/{made['id']}"), headers=tenant.key_headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.get(_url(tenant, f"/{made['id']}"), headers=tenant.key_headers).json()["status"] == "cancelled"
    listed = client.get(_url(tenant), headers=tenant.key_headers, params={"status": "cancelled"}).json()
    assert [g["id"] for g in listed["gatherings"]] == [made["id"]] and listed["total"] == 1
    refused = client.post(_url(tenant, "/join"), headers=tenant.key_headers,
                          json={"joinCode": made["joinCode"], "participantId": _participant(client, tenant, "z")})
    assert refused.json()["success"] is False


def test_an_unscheduled_lobby_expires_after_a_day(client: TestClient, tenant: Tenant) -> None:
    made = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "later", "type": "lobby"}).json()
    client.post("/_twinstack/clock/advance", json={"seconds": 24 * 3600 + 1})
    assert client.get(_url(tenant, f"/{made['id']}"), headers=tenant.key_headers).json()["status"] == "expired"


def test_codes_and_ids_that_are_not_there_are_404(client: TestClient, tenant: Tenant) -> None:
    p = _participant(client, tenant, "q")
    assert client.post(_url(tenant, "/join"), headers=tenant.key_headers,
                       json={"joinCode": "ZZZZ-ZZZZ", "participantId": p}).status_code == 404
    assert client.get(_url(tenant, "/lookup/ABCD2345"), headers=tenant.key_headers).status_code == 404
    assert client.get(_url(tenant, "/00000000-0000-4000-8000-000000000000"), headers=tenant.key_headers).status_code == 404


def test_bad_gatherings_are_400s_naming_the_field(client: TestClient, tenant: Tenant) -> None:
    missing = client.post(_url(tenant), headers=tenant.key_headers, json={"type": "lobby"})
    assert missing.status_code == 400 and any(m.startswith("name") for m in missing.json()["message"])
    too_big = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "n", "type": "lobby", "maxMembers": 101})
    assert too_big.status_code == 400 and too_big.json()["message"][0].startswith("maxMembers")
    backwards = client.post(_url(tenant), headers=tenant.key_headers, json={
        "name": "n", "type": "appointment", "startsAt": "2030-01-02T10:00:00Z", "endsAt": "2030-01-02T09:00:00Z"})
    assert backwards.status_code == 400 and backwards.json()["message"] == ["endsAt must be later than startsAt"]


def test_gatherings_are_the_tenants_own(client: TestClient, tenant: Tenant) -> None:
    made = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "mine", "type": "lobby"}).json()
    other: dict[str, Any] = tenant_credentials(client)["credentials"]["odin"]
    headers = {"X-API-Key": other["api_key"]}
    assert client.get(_url(tenant, f"/{made['id']}"), headers=headers).status_code == 403
    their_project = client.get(f"{API}/projects", headers=headers).json()[0]["id"]
    theirs = f"{API}/projects/{their_project}/gatherings"
    assert client.get(f"{theirs}/{made['id']}", headers=headers).status_code == 404
    assert client.get(f"{theirs}/lookup/{made['joinCode']}", headers=headers).status_code == 404
    assert client.get(theirs, headers=headers).json() == {"gatherings": [], "total": 0}


def _configure(client: TestClient, tenant: Tenant) -> None:
    key = client.post(f"{API}/projects/{tenant.project_id}/voice/access-keys", headers=tenant.key_headers,
                      json={"name": "bot"}).json()
    saved = client.put(f"{API}/projects/{tenant.project_id}/settings", headers=tenant.key_headers, json={
        "tokenProviderType": "access_key", "accessKeyConfig": {"accessKey": key["accessKey"], "botUserId": "cortex-bot"}})
    assert saved.status_code == 200, saved.text


def test_starting_with_auto_start_session_opens_a_session_on_the_room_and_ending_stops_it(
    client: TestClient, tenant: Tenant,
) -> None:
    _configure(client, tenant)
    owner = _participant(client, tenant, "owner")
    lobby = client.post(_url(tenant), headers=tenant.key_headers, json={
        "name": "Ranked match", "type": "lobby", "ownerId": owner, "autoStartSession": True}).json()
    started = client.post(_url(tenant, f"/{lobby['id']}/start"), headers=tenant.key_headers, json={"roomId": "match-1"})
    assert started.status_code == 200, started.text
    session_id = started.json()["sessionId"]
    session = client.get(f"{API}/projects/{tenant.project_id}/sessions/{session_id}", headers=tenant.key_headers).json()
    assert session["externalRoomId"] == "match-1" and session["title"] == "Ranked match" and session["status"] == "active"
    types = _event_types(client, tenant)
    assert types.index("gathering.started") < types.index("session.created")

    client.post(_url(tenant, f"/{lobby['id']}/end"), headers=tenant.key_headers)
    client.post("/_twinstack/clock/advance", json={"seconds": 0})
    after = client.get(f"{API}/projects/{tenant.project_id}/sessions/{session_id}", headers=tenant.key_headers).json()
    assert after["status"] == "ended"


def test_a_deleted_participant_leaves_its_gatherings(client: TestClient, tenant: Tenant) -> None:
    p1, p2 = _participant(client, tenant, "stay"), _participant(client, tenant, "go")
    lobby = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "n", "type": "lobby", "ownerId": p1}).json()
    client.post(_url(tenant, "/join"), headers=tenant.key_headers, json={"joinCode": lobby["joinCode"], "participantId": p2})
    assert client.delete(f"{API}/projects/{tenant.project_id}/participants/{p2}",
                         headers=tenant.key_headers).status_code == 204
    client.post("/_twinstack/clock/advance", json={"seconds": 0})
    after = client.get(_url(tenant, f"/{lobby['id']}"), headers=tenant.key_headers, params={"includeMembers": "true"})
    assert after.json()["memberCount"] == 1 and [m["participantId"] for m in after.json()["members"]] == [p1]


def test_a_key_without_the_gatherings_scope_is_refused_here_but_not_on_open_families(
    client: TestClient, tenant: Tenant, make_key: Any,
) -> None:
    sessions_only = {"X-API-Key": make_key("sessions")["key"]}
    assert client.get(_url(tenant), headers=sessions_only).status_code == 403
    assert client.get(f"{API}/projects/{tenant.project_id}/functions", headers=sessions_only).status_code == 403
    assert client.get(f"{API}/projects/{tenant.project_id}/sanctions", headers=sessions_only).status_code == 200
    assert client.get(f"{API}/projects/{tenant.project_id}/voice/settings", headers=sessions_only).status_code == 200
    gatherings_key = {"X-API-Key": make_key("gatherings")["key"]}
    assert client.get(_url(tenant), headers=gatherings_key).status_code == 200
