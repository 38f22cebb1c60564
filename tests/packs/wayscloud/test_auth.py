"""Refusals: 401 for a missing, unknown, revoked or expired credential; 403 for a valid one without the scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.wayscloud.conftest import API, Tenant, api_key, bearer


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "wayscloud_api_notarealkeynotarealkeynotarealkey"},
        {"Authorization": "Bearer wayscloud_pat_nothing0_notarealtokennotarealtokennot"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["none", "unknown-key", "unknown-pat", "basic"],
)
def test_a_service_operation_refuses_a_missing_or_unknown_credential(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get(f"{API}/vps", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or missing API key"}


def test_an_account_operation_refuses_a_request_without_a_pat(client: TestClient) -> None:
    response = client.get(f"{API}/account/api-keys")
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


def test_public_operations_need_no_credential(client: TestClient) -> None:
    assert client.get(f"{API}/regions").status_code == 200


def test_a_pat_without_the_contacts_write_scope_can_read_but_not_write_contacts(
    client: TestClient, pat_with: Callable[..., dict[str, Any]]
) -> None:
    reader = bearer(pat_with("contacts:read")["key"])
    assert client.get(f"{API}/contacts", headers=reader).status_code == 200
    response = client.post(f"{API}/contacts", headers=reader, json={"name": "Ola Nordmann"})
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}


def test_a_pat_with_contacts_write_creates_and_reads_back_a_contact(
    client: TestClient, pat_with: Callable[..., dict[str, Any]]
) -> None:
    writer = bearer(pat_with("contacts:write")["key"])
    created = client.post(f"{API}/contacts", headers=writer, json={"name": "Ola Nordmann", "type": "person"})
    assert created.status_code == 201, created.text
    contact_id = created.json()["id"]
    # contacts:write also grants contacts:read
    read = client.get(f"{API}/contacts/{contact_id}", headers=writer)
    assert read.status_code == 200
    assert read.json()["name"] == "Ola Nordmann"


def test_a_pat_without_api_keys_write_cannot_mint_keys(
    client: TestClient, pat_with: Callable[..., dict[str, Any]]
) -> None:
    reader = bearer(pat_with("ssh_keys:read")["key"])
    response = client.post(f"{API}/account/api-keys/service", headers=reader, json={"service": "vps"})
    assert response.status_code == 403


def test_a_pat_acts_for_the_account_on_service_operations(
    client: TestClient, pat_with: Callable[..., dict[str, Any]]
) -> None:
    token = pat_with("services:read")["key"]
    assert client.get(f"{API}/vps", headers=bearer(token)).status_code == 200


def test_a_pat_stops_working_when_it_expires(
    client: TestClient, pat_with: Callable[..., dict[str, Any]]
) -> None:
    token = bearer(pat_with("api_keys:read", expires_in_days=1)["key"])
    assert client.get(f"{API}/account/api-keys", headers=token).status_code == 200
    assert client.post("/_twinstack/clock/advance", json={"seconds": 86_401}).status_code == 200
    response = client.get(f"{API}/account/api-keys", headers=token)
    assert response.status_code == 401


def test_a_revoked_pat_is_refused_at_once(
    client: TestClient, tenant: Tenant, pat_with: Callable[..., dict[str, Any]]
) -> None:
    created = pat_with("api_keys:read")
    assert client.delete(f"{API}/account/api-keys/{created['id']}", headers=tenant.account).status_code == 200
    response = client.get(f"{API}/account/api-keys", headers=api_key(created["key"]))
    assert response.status_code == 401
