"""ODIN gathering invitations and appointments through HTTP: e-mails with calendar files, accept, decline, the clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from icalendar import Calendar
from starlette.testclient import TestClient

from tests.packs.odin.conftest import API, Tenant


def _url(tenant: Tenant, rest: str = "") -> str:
    return f"{API}/projects/{tenant.project_id}/gatherings{rest}"


def _participant(client: TestClient, tenant: Tenant, user: str) -> str:
    made = client.post(f"{API}/projects/{tenant.project_id}/participants", headers=tenant.key_headers,
                       json={"externalUserId": user, "displayName": user.title()})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _now(client: TestClient) -> datetime:
    text = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _mails(client: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    found = client.get("/_twinstack/outbox", params={"channel": "email", "tenant": tenant.id})
    assert found.status_code == 200
    return list(found.json()["messages"])


def test_an_appointment_mails_calendar_invitations_and_starts_itself_on_the_clock(
    client: TestClient, tenant: Tenant,
) -> None:
    key = client.post(f"{API}/projects/{tenant.project_id}/voice/access-keys", headers=tenant.key_headers,
                      json={"name": "bot"}).json()
    client.put(f"{API}/projects/{tenant.project_id}/settings", headers=tenant.key_headers, json={
        "tokenProviderType": "access_key", "accessKeyConfig": {"accessKey": key["accessKey"], "botUserId": "cortex-bot"}})
    starts = _now(client) + timedelta(minutes=10)
    made = client.post(_url(tenant), headers=tenant.key_headers, json={
        "name": "Weekly sync", "type": "appointment", "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=1)).isoformat(), "autoStartSession": True,
        "inviterName": "Alice Smith", "inviterEmail": "alice@example.com", "description": "Blockers and progress",
        "participants": [{"name": "Jane Doe", "email": "jane@example.com", "userId": "usr_jane"},
                         {"name": "Broken", "email": "not-an-address"}]})
    assert made.status_code == 201, made.text
    meeting = made.json()
    assert meeting["status"] == "pending" and meeting["memberCount"] == 0

    [mail] = _mails(client, tenant)
    assert mail["recipient"] == "jane@example.com" and mail["metadata"]["replyTo"] == "alice@example.com"
    assert meeting["joinCode"] in mail["body"] and "Invited by Alice Smith" in mail["body"]
    [attachment] = mail["metadata"]["attachments"]
    assert attachment["filename"] == "invite.ics"
    calendar = Calendar.from_ical(attachment["content"])
    [event] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == starts.replace(microsecond=0).astimezone(timezone.utc)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)
    assert str(event["ORGANIZER"]) == "mailto:alice@example.com" and event["ORGANIZER"].params["CN"] == "Alice Smith"
    assert str(event["UID"]).startswith(meeting["id"]) and "transcribed" in str(event["DESCRIPTION"])

    members = client.get(_url(tenant, f"/{meeting['id']}/members"), headers=tenant.key_headers).json()
    assert [(m["displayName"], m["status"]) for m in members] == [("Jane Doe", "invited")]
    jane = members[0]["participantId"]
    [pending] = client.get(_url(tenant, "/invitations/pending"), headers=tenant.key_headers,
                           params={"participantId": jane}).json()
    assert pending["status"] == "pending" and pending["joinCode"] == meeting["joinCode"]
    accepted = client.post(_url(tenant, f"/invitations/{pending['id']}/accept"), headers=tenant.key_headers,
                           json={"participantId": jane})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["success"] is True and accepted.json()["member"]["status"] == "joined"
    assert client.get(_url(tenant, "/invitations/pending"), headers=tenant.key_headers,
                      params={"participantId": jane}).json() == []
    statuses = client.get(_url(tenant, f"/{meeting['id']}/invitations"), headers=tenant.key_headers).json()
    assert [i["status"] for i in statuses] == ["accepted"] and statuses[0]["respondedAt"]

    client.post("/_twinstack/clock/advance", json={"seconds": 9 * 60})
    assert client.get(_url(tenant, f"/{meeting['id']}"), headers=tenant.key_headers).json()["status"] == "active"
    client.post("/_twinstack/clock/advance", json={"seconds": 61})
    started = client.get(_url(tenant, f"/{meeting['id']}"), headers=tenant.key_headers).json()
    assert started["status"] == "started" and started["roomId"] == meeting["joinCode"]
    session = client.get(f"{API}/projects/{tenant.project_id}/sessions/{started['sessionId']}",
                         headers=tenant.key_headers).json()
    assert session["externalRoomId"] == meeting["joinCode"] and session["title"] == "Weekly sync"
    client.post("/_twinstack/clock/advance", json={"seconds": 3600})
    assert client.get(_url(tenant, f"/{meeting['id']}"), headers=tenant.key_headers).json()["status"] == "ended"
    client.post("/_twinstack/clock/advance", json={"seconds": 0})
    assert client.get(f"{API}/projects/{tenant.project_id}/sessions/{started['sessionId']}",
                      headers=tenant.key_headers).json()["status"] == "ended"


def test_invitations_by_participant_and_address_are_sent_declined_and_listed(client: TestClient, tenant: Tenant) -> None:
    host, guest = _participant(client, tenant, "host"), _participant(client, tenant, "guest")
    lobby = client.post(_url(tenant), headers=tenant.key_headers,
                        json={"name": "Squad", "type": "lobby", "accessPolicy": "invite-only"}).json()
    outsider = _participant(client, tenant, "outsider")
    closed = client.post(_url(tenant, "/join"), headers=tenant.key_headers,
                         json={"joinCode": lobby["joinCode"], "participantId": outsider}).json()
    assert closed == {"success": False, "error": "Gathering is invite-only", "gathering": closed["gathering"]}

    sent = client.post(_url(tenant, f"/{lobby['id']}/invite"), headers=tenant.key_headers, json={
        "invitedById": host, "participantIds": [guest], "emails": ["bob@example.com"], "customProtocol": "mygame://"})
    assert sent.status_code == 201, sent.text
    by_guest, by_mail = sent.json()
    assert by_guest["participantId"] == guest and by_guest["invitedById"] == host
    assert by_guest["joinUrl"] == f"mygame://join/{lobby['joinCode']}" and by_mail["email"] == "bob@example.com"
    [mail] = _mails(client, tenant)
    assert mail["recipient"] == "bob@example.com" and "attachments" not in mail["metadata"]

    assert client.post(_url(tenant, f"/invitations/{by_mail['id']}/decline"), headers=tenant.key_headers).status_code == 204
    again = client.post(_url(tenant, f"/invitations/{by_mail['id']}/accept"), headers=tenant.key_headers,
                        json={"participantId": outsider}).json()
    assert again == {"success": False, "error": "Invitation is declined"}
    wrong = client.post(_url(tenant, f"/invitations/{by_guest['id']}/accept"), headers=tenant.key_headers,
                        json={"participantId": outsider}).json()
    assert wrong["success"] is False
    ok = client.post(_url(tenant, f"/invitations/{by_guest['id']}/accept"), headers=tenant.key_headers,
                     json={"participantId": guest}).json()
    assert ok["success"] is True and ok["gathering"]["memberCount"] == 1
    listed = client.get(_url(tenant, f"/{lobby['id']}/invitations"), headers=tenant.key_headers).json()
    assert {i["id"]: i["status"] for i in listed} == {by_guest["id"]: "accepted", by_mail["id"]: "declined"}

    store = client.app.state.runtime.store  # type: ignore[attr-defined]
    types = [e["type"] for e in store.find("odin", tenant.id, "events", where={"projectId": tenant.project_id}).items]
    assert types.count("gathering.invitation.sent") == 2
    assert "gathering.invitation.declined" in types and "gathering.invitation.accepted" in types


def test_cancelling_an_appointment_mails_its_invitees_a_calendar_cancellation(client: TestClient, tenant: Tenant) -> None:
    starts = _now(client) + timedelta(days=1)
    meeting = client.post(_url(tenant), headers=tenant.key_headers, json={
        "name": "Retro", "type": "appointment", "startsAt": starts.isoformat(),
        "participants": [{"name": "Kim", "email": "kim@example.com"}]}).json()
    assert client.delete(_url(tenant, f"/{meeting['id']}"), headers=tenant.key_headers).status_code == 200
    by_subject = {m["subject"]: m for m in _mails(client, tenant)}
    assert set(by_subject) == {"Invitation: Retro", "Cancelled: Retro"}
    cancel = by_subject["Cancelled: Retro"]
    assert cancel["recipient"] == "kim@example.com" and cancel["subject"] == "Cancelled: Retro"
    calendar = Calendar.from_ical(cancel["metadata"]["attachments"][0]["content"])
    assert str(calendar["METHOD"]) == "CANCEL" and str(calendar.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_an_unknown_invitation_or_inviter_is_404(client: TestClient, tenant: Tenant) -> None:
    lobby = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "L", "type": "lobby"}).json()
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.post(_url(tenant, f"/{lobby['id']}/invite"), headers=tenant.key_headers,
                       json={"invitedById": unknown}).status_code == 404
    assert client.post(_url(tenant, f"/invitations/{unknown}/decline"), headers=tenant.key_headers).status_code == 404
    missing = client.post(_url(tenant, f"/{lobby['id']}/invite"), headers=tenant.key_headers, json={})
    assert missing.status_code == 400 and missing.json()["message"] == ["invitedById should not be empty"]
