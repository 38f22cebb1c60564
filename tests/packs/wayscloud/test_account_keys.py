"""Service keys and PATs through their whole life, by HTTP and the official SDK: create, use, revoke, refused.

Brief scenario 1 (keys): with the PAT create a ``vps`` service key; it works on ``/v1/vps``, gets 403 on
``/v1/dns/zones``; revoked, it is 401 on both headers at once, and the key list shows it inactive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient
from wayscloud import AuthenticationError, NotFoundError, WaysCloudClient

from tests.packs.wayscloud.conftest import API, Tenant, api_key, bearer


def test_scenario_keys_a_vps_key_works_on_vps_only_and_dies_on_both_headers_when_revoked(
    client: TestClient, tenant: Tenant, service_key: Callable[[str], dict[str, Any]]
) -> None:
    created = service_key("vps")
    both = (bearer(created["key"]), api_key(created["key"]))
    for headers in both:
        assert client.get(f"{API}/vps", headers=headers).status_code == 200
        refused = client.get(f"{API}/dns/zones", headers=headers)
        assert refused.status_code == 403
        assert refused.json() == {"detail": "API key does not have permission for the dns service"}

    revoked = client.delete(f"{API}/account/api-keys/{created['id']}", headers=tenant.account)
    assert revoked.status_code == 200
    assert revoked.json() == {"success": True, "message": "API key revoked"}

    for headers in both:
        response = client.get(f"{API}/vps", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid or missing API key"}
    listed = {item["id"]: item for item in client.get(f"{API}/account/api-keys", headers=tenant.account).json()}
    assert listed[created["id"]]["is_active"] is False
    assert "revoked_at" in listed[created["id"]]


def test_revoking_a_key_twice_is_404_the_second_time(
    client: TestClient, tenant: Tenant, service_key: Callable[[str], dict[str, Any]]
) -> None:
    created = service_key("dns")
    first = client.delete(f"{API}/account/api-keys/{created['id']}", headers=tenant.account)
    assert first.status_code == 200
    second = client.delete(f"{API}/account/api-keys/{created['id']}", headers=tenant.account)
    assert second.status_code == 404
    assert second.json() == {"detail": "Key not found"}


def test_a_revoked_pat_is_401_on_both_headers_and_on_the_dashboard_path(
    client: TestClient, tenant: Tenant, pat_with: Callable[..., dict[str, Any]]
) -> None:
    created = pat_with("ssh_keys:read")
    for headers in (bearer(created["key"]), api_key(created["key"])):
        assert client.get(f"{API}/account/ssh-keys", headers=headers).status_code == 200
    assert client.delete(f"{API}/account/api-keys/{created['id']}", headers=tenant.account).status_code == 200
    for headers in (bearer(created["key"]), api_key(created["key"])):
        for path in ("/wayscloud/v1/account/profile", "/wayscloud/api/v1/dashboard/account/profile"):
            response = client.get(path, headers=headers)
            assert response.status_code == 401
            assert response.json() == {"detail": "Invalid or missing PAT token"}


@pytest.mark.parametrize("valid_in", ["authorization", "x-api-key"])
def test_one_valid_credential_is_enough_when_both_headers_are_sent(
    client: TestClient, tenant: Tenant, valid_in: str
) -> None:
    junk = "wayscloud_api_notarealkeynotarealkeynotarealkey"
    headers = ({**bearer(tenant.pat), **api_key(junk)} if valid_in == "authorization"
               else {**bearer(junk), **api_key(tenant.pat)})
    assert client.get(f"{API}/vps", headers=headers).status_code == 200
    assert client.get(f"{API}/account/profile", headers=headers).status_code == 200
    assert client.get(f"{API}/ip/8.8.8.8", headers=headers).status_code == 200


def test_a_service_key_beside_a_pat_does_not_hide_the_pat_on_account_operations(
    client: TestClient, tenant: Tenant
) -> None:
    both = {**bearer(tenant.pat), **api_key(tenant.api_key)}
    assert client.get(f"{API}/account/api-keys", headers=both).status_code == 200


def test_the_sdk_uses_a_created_key_as_token_or_api_key_until_it_is_revoked(
    sdk: Callable[..., WaysCloudClient], client: TestClient, tenant: Tenant,
    service_key: Callable[[str], dict[str, Any]],
) -> None:
    created = service_key("vps")
    as_token = sdk(token=created["key"])  # minted keys are wayscloud_<15>_<36>: sent as Bearer
    as_api_key = sdk(api_key=created["key"])  # sent as X-API-Key
    for user in (as_token, as_api_key):
        assert [region["id"] for region in user.vps.regions()] == ["oslo", "stockholm", "frankfurt"]
        user.vps.list()  # the SDK raises on anything but success

    assert client.delete(f"{API}/account/api-keys/{created['id']}", headers=tenant.account).status_code == 200
    for user in (as_token, as_api_key):
        with pytest.raises(AuthenticationError) as raised:
            user.vps.list()
        assert raised.value.status_code == 401
    with pytest.raises(NotFoundError):
        sdk().delete(f"/v1/account/api-keys/{created['id']}")


def test_the_key_list_shows_when_a_key_was_last_used_and_a_later_use_moves_it(
    client: TestClient, tenant: Tenant, service_key: Callable[[str], dict[str, Any]]
) -> None:
    created = service_key("vps")

    def listed() -> dict[str, Any]:
        items = client.get(f"{API}/account/api-keys", headers=tenant.account).json()
        return {item["id"]: item for item in items}[created["id"]]

    assert "last_used_at" not in listed()
    assert client.get(f"{API}/vps", headers=api_key(created["key"])).status_code == 200
    first = listed()["last_used_at"]
    assert client.post("/_twinstack/clock/advance", json={"seconds": 3600}).status_code == 200
    assert client.get(f"{API}/vps", headers=bearer(created["key"])).status_code == 200
    later = listed()["last_used_at"]
    assert later > first
