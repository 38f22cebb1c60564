"""WAYSCloud Domain Verification (PAT): tokens checked against the twin's own DNS, any tenant's zone."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key

DV = f"{API}/domain-verification/domains"


def _register(client: TestClient, tenant: Tenant, domain: str = "Example.TEST", **extra: Any) -> dict[str, Any]:
    response = client.post(DV, headers=tenant.account, json={"domain": domain, "purpose": "email", **extra})
    assert response.status_code == 200, response.text
    made: dict[str, Any] = response.json()
    return made


def test_a_domain_verifies_once_its_txt_record_exists_in_the_twins_dns(client: TestClient, tenant: Tenant) -> None:
    made = _register(client, tenant)
    assert (made["domain"], made["status"], made["verification_attempts"]) == ("example.test", "pending", 0)
    token = made["verification_token"]
    assert token.startswith("wayscloud-domain-verification=") and len(token) > 40
    assert made["dns_instructions"] == {"record_type": "TXT", "host": "_wayscloud.example.test", "value": token}
    assert "verified_at" not in made and "failed_reason" not in made

    early = client.post(f"{DV}/{made['id']}/verify", headers=tenant.account).json()
    assert (early["status"], early["verified"], early["dns_records_found"]) == ("failed", False, [])
    failed = client.get(f"{DV}/{made['id']}", headers=tenant.account).json()
    assert failed["status"] == "failed" and "_wayscloud.example.test" in failed["failed_reason"]

    # The zone belongs to another tenant: verification reads the twin's DNS, not the caller's zones.
    owner = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    assert client.post(f"{API}/dns/zones", headers=owner, json={"domain": "example.test"}).status_code == 201
    added = client.post(f"{API}/dns/zones/example.test/records", headers=owner,
                        json={"record_type": "TXT", "host": "_wayscloud", "record": token})
    assert added.status_code == 201, added.text
    done = client.post(f"{DV}/{made['id']}/verify", headers=tenant.account).json()
    assert (done["status"], done["verified"], done["dns_records_found"]) == ("verified", True, [token])
    shown = client.get(f"{DV}/{made['id']}", headers=tenant.account).json()
    assert shown["verification_attempts"] == 2 and shown["verified_at"] == done["checked_at"]
    assert "failed_reason" not in shown

    history = client.get(f"{DV}/{made['id']}/history", headers=tenant.account).json()
    checks = [h for h in history if h["event_type"] == "check_completed"]
    assert [(h["previous_status"], h["new_status"]) for h in checks] == [("pending", "failed"), ("failed", "verified")]
    assert checks[1]["dns_response"]["actual_values"] == [token]


def test_a_cname_verification_follows_the_alias(client: TestClient, tenant: Tenant) -> None:
    made = _register(client, tenant, "brand.test", verification_method="DNS_CNAME")
    target = made["dns_instructions"]["value"]
    assert made["dns_instructions"]["record_type"] == "CNAME" and target.endswith(".verify.wayscloud.services")
    assert client.post(f"{API}/dns/zones", headers=tenant.service, json={"domain": "brand.test"}).status_code == 201
    client.post(f"{API}/dns/zones/brand.test/records", headers=tenant.service,
                json={"record_type": "CNAME", "host": "_wayscloud", "record": target})
    assert client.post(f"{DV}/{made['id']}/verify", headers=tenant.account).json()["verified"] is True


def test_revoke_only_from_verified_and_delete_is_soft(client: TestClient, tenant: Tenant) -> None:
    made = _register(client, tenant)
    url = f"{DV}/{made['id']}"
    refused = client.patch(url, headers=tenant.account, json={"status": "revoked"})
    assert refused.status_code == 400 and "verified" in refused.json()["detail"]
    assert client.post(f"{API}/dns/zones", headers=tenant.service, json={"domain": "example.test"}).status_code == 201
    client.post(f"{API}/dns/zones/example.test/records", headers=tenant.service,
                json={"record_type": "TXT", "host": "_wayscloud", "record": made["verification_token"]})
    client.post(f"{url}/verify", headers=tenant.account)
    revoked = client.patch(url, headers=tenant.account, json={"status": "revoked"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert client.post(f"{url}/verify", headers=tenant.account).json()["status"] == "revoked"
    assert client.delete(url, headers=tenant.account).json()["success"] is True
    assert client.get(url, headers=tenant.account).status_code == 404
    assert client.post(f"{url}/verify", headers=tenant.account).status_code == 404
    assert _register(client, tenant)["id"] != made["id"]


def test_list_filters_pages_and_refuses_bad_or_repeated_domains(client: TestClient, tenant: Tenant) -> None:
    _register(client, tenant, "a.test")
    _register(client, tenant, "b.test", purpose="webhook")
    again = client.post(DV, headers=tenant.account, json={"domain": "A.test", "purpose": "email"})
    assert again.status_code == 400 and "already registered" in again.json()["detail"]
    bad = client.post(DV, headers=tenant.account, json={"domain": "not a domain", "purpose": "email"})
    assert bad.status_code == 400 and bad.json()["detail"] == "Invalid domain format"
    listed = client.get(DV, headers=tenant.account, params={"purpose": "webhook"}).json()
    assert [d["domain"] for d in listed["domains"]] == ["b.test"] and listed["total"] == 1
    page = client.get(DV, headers=tenant.account, params={"page_size": 1, "page": 2}).json()
    assert (page["total"], page["page"], [d["domain"] for d in page["domains"]]) == (2, 2, ["a.test"])
    assert client.get(DV, headers=tenant.service).status_code == 401
