"""WAYSCloud credentials: what a tenant is issued, in the API's own formats, and where each is accepted."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key, bearer

SERVICE_KEY = re.compile(r"^wayscloud_api_[A-Za-z0-9]{32}$")
PAT = re.compile(r"^wayscloud_pat_[a-z0-9]{8}_[A-Za-z0-9]{32}$")
Header = Callable[[str], dict[str, str]]


def test_a_new_tenant_gets_a_service_key_and_a_pat_in_the_vendor_formats(client: TestClient) -> None:
    credentials = tenant_credentials(client)["credentials"]["wayscloud"]
    assert set(credentials) == {"api_key", "pat"}
    assert SERVICE_KEY.match(credentials["api_key"])
    assert PAT.match(credentials["pat"])


def test_two_tenants_get_different_credentials(client: TestClient) -> None:
    first = tenant_credentials(client)["credentials"]["wayscloud"]
    second = tenant_credentials(client)["credentials"]["wayscloud"]
    assert first["api_key"] != second["api_key"]
    assert first["pat"] != second["pat"]


def test_the_default_tenant_credentials_are_the_same_after_a_reset(client: TestClient) -> None:
    before = client.get("/_twinstack/tenants/default").json()["credentials"]["wayscloud"]
    assert client.post("/_twinstack/reset").status_code == 200
    after = client.get("/_twinstack/tenants/default").json()["credentials"]["wayscloud"]
    assert before == after
    assert client.get(f"{API}/vps", headers=api_key(after["api_key"])).status_code == 200
    assert client.get(f"{API}/account/profile", headers=bearer(after["pat"])).status_code == 200


@pytest.mark.parametrize("header", [api_key, bearer], ids=["x-api-key", "bearer"])
def test_the_service_key_is_accepted_in_either_header(client: TestClient, tenant: Tenant, header: Header) -> None:
    response = client.get(f"{API}/vps", headers=header(tenant.api_key))
    assert response.status_code == 200
    assert response.json()["instances"] == []


@pytest.mark.parametrize("header", [api_key, bearer], ids=["x-api-key", "bearer"])
def test_the_pat_is_accepted_in_either_header_on_account_and_service_operations(
    client: TestClient, tenant: Tenant, header: Header
) -> None:
    headers = header(tenant.pat)
    assert client.get(f"{API}/account/profile", headers=headers).status_code == 200
    assert client.get(f"{API}/dns/zones", headers=headers).status_code == 200


def test_a_bearer_token_reaches_an_x_api_key_operation(client: TestClient, tenant: Tenant) -> None:
    # IP Intelligence declares only ApiKeyAuth (X-API-Key); its text says Bearer works too.
    response = client.get(f"{API}/ip/8.8.8.8", headers=bearer(tenant.api_key))
    assert response.status_code == 200
    assert response.json()["ip"] == "8.8.8.8"


def test_the_service_key_does_not_open_account_operations(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/account/profile", headers=tenant.service)
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_the_profile_belongs_to_the_tenant(client: TestClient, tenant: Tenant) -> None:
    profile = client.get(f"{API}/account/profile", headers=tenant.account).json()
    again = client.get(f"{API}/account/profile", headers=tenant.account).json()
    other = tenant_credentials(client)["credentials"]["wayscloud"]["pat"]
    theirs = client.get(f"{API}/account/profile", headers=bearer(other)).json()
    assert profile == again
    assert profile["status"] == "active"
    assert profile["name"] == f"{profile['first_name']} {profile['last_name']}"
    assert re.match(r"^[0-9a-f-]{36}$", profile["customer_id"])
    assert theirs["customer_id"] != profile["customer_id"]
    assert theirs["email"] != profile["email"]
