"""Fixtures for the g4fagent twin: a fresh tenant, logged in as its admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.no_scans import no_whole_collection_reads  # noqa: F401  (autouse: no scans on request paths)

API = "/g4fagent/api/v1"


@dataclass(slots=True)
class Tenant:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def login(client: Any, email: str, password: str) -> dict[str, Any]:
    response = client.post(f"{API}/auth/login", json={"method": "password", "email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """The API's error envelope, with this status and code (and the field at fault, when named)."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"].startswith("req_") and len(error["request_id"]) == 20
    assert error["retryable"] is False
    assert isinstance(error["message"], str) and error["message"]
    if field is not None:
        assert error["details"]["field"] == field
        assert field in error["message"]
    return error


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    made = tenant_credentials(client)
    creds = made["credentials"]["g4fagent"]
    tokens = login(client, creds["email"], creds["password"])
    return Tenant(made["id"], creds["email"], creds["password"], tokens["access_token"], tokens["refresh_token"])
