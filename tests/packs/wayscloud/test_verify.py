"""Verify: the code is read from the outbox, wrong codes count down to a lock, the right one verifies, sessions
expire on the twin clock, cancel, status, unknown sessions, and the undefined BearerAuth scheme's credentials."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.packs.wayscloud.conftest import API, Tenant, bearer

VERIFY = f"{API}/verify"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def start(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = client.post(f"{VERIFY}/start", headers=tenant.service, json=body)
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    return started


def sent_code(client: TestClient, tenant: Tenant, channel: str, recipient: str) -> tuple[str, dict[str, Any]]:
    found = client.get("/_twinstack/outbox", params={"channel": channel, "tenant": tenant.id,
                                                      "recipient": recipient}).json()["messages"]
    assert len(found) == 1, found
    # A voice call reads the digits one by one.
    match = re.search(r"\d{4,8}", re.sub(r"(?<=\d) (?=\d)", "", found[0]["body"]))
    assert match is not None
    return match.group(0), found[0]


def check(client: TestClient, tenant: Tenant, session_id: str, code: str) -> dict[str, Any]:
    response = client.post(f"{VERIFY}/check", headers=tenant.service, json={"session_id": session_id, "code": code})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_the_code_from_the_outbox_verifies_after_wrong_ones(client: TestClient, tenant: Tenant) -> None:
    session = start(client, tenant, recipient="+4712345678", locale="no", client_reference="signup-42")
    assert session["channel"] == "sms" and session["status"] == "delivered"
    code, entry = sent_code(client, tenant, "sms", "+4712345678")
    assert len(code) == 6 and entry["body"].startswith("Din bekreftelseskode er")
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    remaining = [check(client, tenant, session["session_id"], wrong)["attempts_remaining"] for _ in range(4)]
    assert remaining == [4, 3, 2, 1]
    assert check(client, tenant, session["session_id"], wrong)["error"] == "max_attempts_exceeded"
    status = client.get(f"{VERIFY}/status/{session['session_id']}", headers=tenant.service).json()
    assert status["status"] == "failed" and status["attempt_count"] == 5 and status["max_attempts"] == 5


def test_four_misses_then_the_right_code(client: TestClient, tenant: Tenant) -> None:
    session = start(client, tenant, recipient="+4712345679", code_length=8)
    code, _ = sent_code(client, tenant, "sms", "+4712345679")
    assert len(code) == 8
    wrong = "0" * 8 if code != "0" * 8 else "1" * 8
    for left in (4, 3, 2, 1):
        assert check(client, tenant, session["session_id"], wrong) == {
            "status": "pending", "error": "invalid_code", "attempts_remaining": left}
    done = check(client, tenant, session["session_id"], code)
    assert done["status"] == "verified" and done["verified_at"]
    assert check(client, tenant, session["session_id"], code)["status"] == "verified"
    status = client.get(f"{VERIFY}/status/{session['session_id']}", headers=tenant.service).json()
    assert status["status"] == "verified" and status["verified_at"] == done["verified_at"]
    assert status["attempt_count"] == 5 and status["recipient"] == "+4712345679"
    assert "_code_sha256" not in status and code not in str(status)
    verify_sms = client.get(f"{API}/sms/messages", headers=tenant.service).json()["messages"]
    assert [m["message_type"] for m in verify_sms] == ["VERIFY"]


def test_five_misses_lock_the_session(client: TestClient, tenant: Tenant) -> None:
    session = start(client, tenant, recipient="+4712345670")
    code, _ = sent_code(client, tenant, "sms", "+4712345670")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        check(client, tenant, session["session_id"], wrong)
    locked = check(client, tenant, session["session_id"], wrong)
    assert locked == {"status": "failed", "error": "max_attempts_exceeded", "attempts_remaining": 0}
    assert check(client, tenant, session["session_id"], code)["error"] == "max_attempts_exceeded"


def test_a_session_expires_after_its_ttl(client: TestClient, tenant: Tenant) -> None:
    session = start(client, tenant, recipient="+4712345671", ttl_seconds=60)
    code, _ = sent_code(client, tenant, "sms", "+4712345671")
    client.post("/_twinstack/clock/advance", json={"seconds": 61})
    assert check(client, tenant, session["session_id"], code) == {"status": "expired", "error": "session_expired"}
    status = client.get(f"{VERIFY}/status/{session['session_id']}", headers=tenant.service).json()
    assert status["status"] == "expired"
    gone = client.delete(f"{VERIFY}/sessions/{session['session_id']}", headers=tenant.service)
    assert gone.status_code == 404


def test_voice_and_email_channels_speak_the_locale(client: TestClient, tenant: Tenant) -> None:
    start(client, tenant, channel="voice", recipient="+4712345672", locale="sv", code_length=4)
    code, call = sent_code(client, tenant, "voice", "+4712345672")
    assert call["sender"] == "+4721535030" and call["body"].count(" ".join(code)) == 2
    assert "Jag upprepar" in call["body"]
    start(client, tenant, channel="email", recipient="ada@example.com", locale="da")
    _, mail = sent_code(client, tenant, "email", "ada@example.com")
    assert mail["sender"] == "no-reply@wayscloud.net" and mail["subject"] == "Din bekræftelseskode"
    bad = client.post(f"{VERIFY}/start", headers=tenant.service, json={"channel": "email", "recipient": "+4712345678"})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("body.recipient:")
    bad_phone = client.post(f"{VERIFY}/start", headers=tenant.service, json={"recipient": "12345"})
    assert bad_phone.status_code == 400


def test_cancel_status_and_unknown_sessions(client: TestClient, tenant: Tenant) -> None:
    session = start(client, tenant, recipient="+4712345673")
    code, _ = sent_code(client, tenant, "sms", "+4712345673")
    sid = session["session_id"]
    assert client.delete(f"{VERIFY}/sessions/{sid}", headers=tenant.service).status_code == 204
    assert check(client, tenant, sid, code) == {"status": "failed", "error": "session_cancelled"}
    assert client.get(f"{VERIFY}/status/{sid}", headers=tenant.service).json()["status"] == "cancelled"
    assert client.delete(f"{VERIFY}/sessions/{sid}", headers=tenant.service).status_code == 404
    unknown = client.post(f"{VERIFY}/check", headers=tenant.service, json={"session_id": UNKNOWN, "code": "123456"})
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Session not found"}
    assert client.get(f"{VERIFY}/status/{UNKNOWN}", headers=tenant.service).status_code == 404


def test_bearer_auth_takes_the_service_key_or_pat_in_either_header(client: TestClient, tenant: Tenant) -> None:
    for headers in (bearer(tenant.api_key), {"X-API-Key": tenant.api_key}, bearer(tenant.pat)):
        response = client.post(f"{VERIFY}/start", headers=headers, json={"recipient": "+4712345674"})
        assert response.status_code == 201, (headers, response.text)
    nobody = client.post(f"{VERIFY}/start", json={"recipient": "+4712345674"})
    assert nobody.status_code == 401
    stranger = client.post(f"{VERIFY}/start", headers=bearer("eyJhbGciOi.not.a-jwt"), json={"recipient": "+4712345674"})
    assert stranger.status_code == 401


def test_sessions_belong_to_their_tenant(client: TestClient, tenant: Tenant) -> None:
    from tests.conftest import tenant_credentials

    other = {"X-API-Key": tenant_credentials(client)["credentials"]["wayscloud"]["api_key"]}
    session = start(client, tenant, recipient="+4712345675", client_ip="203.0.113.42")
    assert session["ip_risk"]["total_reports"] == 0
    assert client.get(f"{VERIFY}/status/{session['session_id']}", headers=other).status_code == 404


def test_calls_to_the_test_range_are_not_answered(client: TestClient, tenant: Tenant) -> None:
    silent = start(client, tenant, channel="voice", recipient="+4700000001")
    busy = start(client, tenant, channel="voice", recipient="+4700090001")
    assert check(client, tenant, silent["session_id"], "123456") == {"status": "failed", "error": "voice_no_answer"}
    assert check(client, tenant, busy["session_id"], "123456") == {"status": "failed", "error": "voice_busy"}
    status = client.get(f"{VERIFY}/status/{busy['session_id']}", headers=tenant.service).json()
    assert status["status"] == "failed" and status["error_message"] == "voice_busy"
