"""Brief section 5 scenarios where they touch the account: SSH keys that VPS are created with, PAT-made keys.

Scenario 2 begins with an SSH key (its fingerprint is what ``ssh-keygen -lf`` prints) that a VPS is
created with; the key's ``vm_count`` counts that VPS, and deleting the key leaves the VPS as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient
from wayscloud import WaysCloudClient

from tests.packs.wayscloud.conftest import API, Tenant, bearer
from tests.packs.wayscloud.test_sdk_account import ED25519, ED25519_FP, RSA

VPS = {"plan": "vps-2gb-1cpu", "region": "oslo", "os_template": "ubuntu-22.04"}


def test_scenario_vps_an_ssh_key_counts_the_vps_made_with_it_and_its_deletion_leaves_them(
    sdk: Callable[..., WaysCloudClient], client: TestClient, tenant: Tenant
) -> None:
    user = sdk()
    key = user.account.add_ssh_key("deploy", ED25519)
    other = user.account.add_ssh_key("spare", RSA)
    assert key["fingerprint"] == ED25519_FP

    first = user.vps.create(hostname="web01.example.com", ssh_keys=[ED25519], **VPS)
    user.vps.create(hostname="web02.example.com", ssh_keys=[ED25519, RSA], **VPS)
    # A key the account never registered is carried by the VPS but counts for nothing.
    user.vps.create(hostname="web03.example.com", ssh_keys=["ssh-ed25519 AAAAnotregistered"], **VPS)

    counts = {k["name"]: k["vm_count"] for k in user.account.ssh_keys()}
    assert counts == {"deploy": 2, "spare": 1}

    user.account.delete_ssh_key(key["id"])
    assert [k["id"] for k in user.account.ssh_keys()] == [other["id"]]
    kept = user.vps.get(first["id"])
    assert kept["ssh_keys"] == [ED25519]


def test_scenario_keys_a_pat_made_key_used_through_the_sdk_is_listed_then_revoked(
    sdk: Callable[..., WaysCloudClient], client: TestClient, tenant: Tenant,
    service_key: Callable[[str], dict[str, Any]],
) -> None:
    created = service_key("vps")
    made = sdk(token=created["key"]).vps.create(hostname="api01.example.com", **VPS)
    # What the key made belongs to the account the PAT is for.
    assert sdk().vps.get(made["id"])["hostname"] == "api01.example.com"
    listed = {k["id"]: k for k in client.get(f"{API}/account/api-keys", headers=tenant.account).json()}
    assert listed[created["id"]]["is_active"] is True and listed[created["id"]]["service"] == "vps"
    assert client.delete(f"{API}/account/api-keys/{created['id']}", headers=bearer(tenant.pat)).status_code == 200
    listed = {k["id"]: k for k in client.get(f"{API}/account/api-keys", headers=tenant.account).json()}
    assert listed[created["id"]]["is_active"] is False


def test_the_account_services_are_the_live_resources_of_the_account(
    sdk: Callable[..., WaysCloudClient], client: TestClient, tenant: Tenant
) -> None:
    assert client.get(f"{API}/account/services", headers=tenant.account).json() == []
    made = sdk().vps.create(hostname="svc01.example.com", **VPS)
    assert client.post(f"{API}/dns/zones", headers=tenant.service, json={"domain": "services.test"}).status_code == 201

    listed = client.get(f"{API}/account/services", headers=tenant.account)
    assert listed.status_code == 200
    by_type = {item["service_type"]: item for item in listed.json()}
    assert set(by_type) == {"vps", "dns"}
    assert by_type["vps"]["id"] == made["id"]
    assert by_type["vps"]["name"] == "svc01.example.com"
    assert by_type["vps"]["status"] == "running"  # provisioning is over at once at --speed instant
    assert by_type["vps"]["region"] == "oslo"
    assert by_type["dns"]["name"] == "services.test"

    sdk().vps.delete(made["id"])
    assert [i["service_type"] for i in client.get(f"{API}/account/services", headers=tenant.account).json()] == ["dns"]
