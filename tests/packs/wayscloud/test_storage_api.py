"""Storage through the REST API and the official SDK: buckets, their counters, visibility, tiers, isolation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from wayscloud import WaysCloudClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key


def test_create_get_list_delete(client: TestClient, tenant: Tenant) -> None:
    made = client.post(f"{API}/storage/buckets", headers=tenant.service,
                       json={"bucket_name": "company-assets", "tier": "enterprise"})
    assert made.status_code == 201, made.text
    assert made.json()["bucket_name"] == "company-assets" and made.json()["success"] is True
    assert made.json()["endpoint"].endswith("/wayscloud-s3")
    got = client.get(f"{API}/storage/buckets/company-assets", headers=tenant.service).json()
    assert got["name"] == got["bucket_name"] == "company-assets"
    assert (got["size_bytes"], got["object_count"], got["is_public"], got["tier"]) == (0, 0, False, "enterprise")
    assert got["region"] == "no-oslo-1" and got["created_at"].endswith("Z")
    listed = client.get(f"{API}/storage/buckets", headers=tenant.service).json()
    assert listed["total"] == 1 and [b["name"] for b in listed["buckets"]] == ["company-assets"]
    gone = client.delete(f"{API}/storage/buckets/company-assets", headers=tenant.service)
    assert gone.status_code == 200 and gone.json()["success"] is True
    assert client.get(f"{API}/storage/buckets/company-assets", headers=tenant.service).status_code == 404
    assert client.delete(f"{API}/storage/buckets/company-assets", headers=tenant.service).status_code == 404
    again = client.post(f"{API}/storage/buckets", headers=tenant.service, json={"bucket_name": "company-assets"})
    assert again.status_code == 409 and "previously used" in again.json()["detail"]


@pytest.mark.parametrize("name", ["ab", "Upper-Case", "-leading", "trailing-", "under_score", "a" * 64])
def test_bad_bucket_names_are_400(client: TestClient, tenant: Tenant, name: str) -> None:
    response = client.post(f"{API}/storage/buckets", headers=tenant.service, json={"bucket_name": name})
    assert response.status_code == 400
    assert "bucket_name" in str(response.json()["detail"])


def test_bucket_names_are_global(client: TestClient, tenant: Tenant) -> None:
    assert client.post(f"{API}/storage/buckets", headers=tenant.service,
                       json={"bucket_name": "taken-name"}).status_code == 201
    other = tenant_credentials(client)["credentials"]["wayscloud"]["api_key"]
    clash = client.post(f"{API}/storage/buckets", headers=api_key(other), json={"bucket_name": "taken-name"})
    assert clash.status_code == 409
    for method in ("get", "delete"):
        assert getattr(client, method)(f"{API}/storage/buckets/taken-name", headers=api_key(other)).status_code == 404
    assert client.get(f"{API}/storage/buckets", headers=api_key(other)).json() == {"buckets": [], "total": 0}
    assert client.patch(f"{API}/storage/buckets/taken-name/visibility", headers=api_key(other),
                        json={"is_public": True}).status_code == 404
    assert client.get(f"{API}/storage/buckets/taken-name/keys", headers=api_key(other)).status_code == 404


def test_credentials_are_per_tenant(client: TestClient, tenant: Tenant) -> None:
    mine = client.get(f"{API}/storage/credentials", headers=tenant.service).json()
    other = tenant_credentials(client)["credentials"]["wayscloud"]["api_key"]
    theirs = client.get(f"{API}/storage/credentials", headers=api_key(other)).json()
    assert mine["access_key_id"] != theirs["access_key_id"]
    assert client.get(f"{API}/storage/credentials", headers=tenant.service).json() == mine
    assert client.get(f"{API}/storage/credentials").status_code == 401


def test_the_sdk_manages_buckets_keys_visibility_and_tiers(sdk: Callable[..., WaysCloudClient]) -> None:
    cloud = sdk()
    cloud.storage.create_bucket("sdk-bucket")
    assert [b["bucket_name"] for b in cloud.storage.list()] == ["sdk-bucket"]
    assert cloud.storage.get("sdk-bucket")["total_objects"] == 0
    made = cloud.storage.create_bucket_key("sdk-bucket", "deploy")
    assert made["access_key"].startswith("AKWC") and len(made["secret_key"]) == 40
    listed = cloud.storage.bucket_keys("sdk-bucket")
    assert [(k["id"], k["name"], k["access_key"]) for k in listed] == [(made["id"], "deploy", made["access_key"])]
    assert "secret_key" not in listed[0]
    cloud.storage.delete_bucket_key("sdk-bucket", made["id"])
    assert cloud.storage.bucket_keys("sdk-bucket") == []
    assert cloud.storage.set_visibility("sdk-bucket", True)["is_public"] is True
    assert cloud.storage.get("sdk-bucket")["is_public"] is True
    assert {t["name"] for t in cloud.storage.tiers()} == {"standard", "enterprise"}
    cloud.storage.delete_bucket("sdk-bucket")
    assert cloud.storage.list() == []
