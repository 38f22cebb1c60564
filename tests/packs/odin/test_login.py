"""The two logins and the profile: e-mail/password -> JWT -> /api/auth/me, Fusion session -> JWT."""

from __future__ import annotations

import base64
import json

from starlette.testclient import TestClient

from tests.packs.odin.conftest import API, Tenant, login


def _header(token: str) -> dict[str, str]:
    head = token.split(".")[0]
    decoded: dict[str, str] = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return decoded


def test_login_with_credentials_gives_a_jwt_that_opens_the_profile(client: TestClient, tenant: Tenant) -> None:
    body = login(client, tenant.email, tenant.password)
    assert _header(body["accessToken"]) == {"alg": "HS256", "typ": "JWT"}
    assert body["sessionId"]
    me = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {body['accessToken']}"})
    assert me.status_code == 200
    profile = me.json()
    assert profile["tenantId"] == tenant.id
    assert profile["username"] == "Cortex Admin"
    assert profile["userId"]


def test_login_email_is_case_insensitive(client: TestClient, tenant: Tenant) -> None:
    assert login(client, tenant.email.upper(), tenant.password)["accessToken"]


def test_wrong_password_is_401(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/auth/login-credentials", json={"email": tenant.email, "password": "not-the-password"})
    assert response.status_code == 401
    assert response.json() == {"statusCode": 401, "message": "Invalid credentials", "error": "Unauthorized"}


def test_unknown_email_is_401(client: TestClient) -> None:
    response = client.post(f"{API}/auth/login-credentials", json={"email": "nobody@example.com", "password": "secret1"})
    assert response.status_code == 401


def test_short_password_is_400_naming_the_field(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/auth/login-credentials", json={"email": tenant.email, "password": "abc"})
    assert response.status_code == 400
    assert response.json()["message"] == ["password must be longer than or equal to 6 characters"]


def test_jwt_works_as_bearer_on_secured_operations(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/projects/{tenant.project_id}/sessions", headers=tenant.bearer_headers)
    assert response.status_code == 200


def test_jwt_expires_after_an_hour(client: TestClient, tenant: Tenant) -> None:
    assert client.get(f"{API}/auth/me", headers=tenant.bearer_headers).status_code == 200
    client.post("/_twinstack/clock/advance", json={"seconds": 3601})
    response = client.get(f"{API}/auth/me", headers=tenant.bearer_headers)
    assert response.status_code == 401
    assert response.json() == {"statusCode": 401, "message": "Unauthorized"}


def test_fusion_session_id_is_exchanged_for_a_working_jwt(client: TestClient, tenant: Tenant) -> None:
    session_id = login(client, tenant.email, tenant.password)["sessionId"]
    response = client.post(f"{API}/auth/login", json={"fusionSessionId": session_id})
    assert response.status_code == 201
    token = response.json()["accessToken"]
    me = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["tenantId"] == tenant.id


def test_unknown_fusion_session_is_401(client: TestClient) -> None:
    response = client.post(f"{API}/auth/login", json={"fusionSessionId": "fsid_1234567890"})
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


def test_fusion_session_expires_after_a_day(client: TestClient, tenant: Tenant) -> None:
    session_id = login(client, tenant.email, tenant.password)["sessionId"]
    client.post("/_twinstack/clock/advance", json={"seconds": 24 * 3600 + 1})
    assert client.post(f"{API}/auth/login", json={"fusionSessionId": session_id}).status_code == 401


def test_fusion_session_id_is_not_a_bearer_token(client: TestClient, tenant: Tenant) -> None:
    session_id = login(client, tenant.email, tenant.password)["sessionId"]
    assert client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {session_id}"}).status_code == 401
