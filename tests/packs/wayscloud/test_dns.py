"""WAYSCloud DNS through the API and the official SDK: zones, records with real values, validation per
type, DNSSEC keys and DS records, tenant isolation (the DNS server itself: ``test_dns_server.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import wayscloud
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key


def _zone(client: TestClient, tenant: Tenant, name: str = "example.test") -> None:
    response = client.post(f"{API}/dns/zones", headers=tenant.service, json={"domain": name})
    assert response.status_code == 201, response.text


def _record(client: TestClient, tenant: Tenant, zone: str = "example.test", **body: Any) -> Any:
    return client.post(f"{API}/dns/zones/{zone}/records", headers=tenant.service, json=body)


def test_a_zone_counts_its_records_and_lists_them_with_their_real_values(client: TestClient, tenant: Tenant) -> None:
    _zone(client, tenant)
    made = _record(client, tenant, record_type="A", host="www", record="192.0.2.10", ttl=300)
    assert made.status_code == 201, made.text
    assert {k: made.json()[k] for k in ("name", "type", "content", "ttl", "value")} == {
        "name": "www", "type": "A", "content": "192.0.2.10", "ttl": 300, "value": "192.0.2.10"}
    mx = _record(client, tenant, record_type="MX", host="@", record="mail.example.test", priority=10).json()
    assert (mx["name"], mx["priority"], mx["ttl"]) == ("@", 10, 3600)
    listed = client.get(f"{API}/dns/zones/example.test/records", headers=tenant.service).json()
    assert listed["total"] == 2
    assert {(r["name"], r["type"], r["content"]) for r in listed["records"]} == {
        ("www", "A", "192.0.2.10"), ("@", "MX", "mail.example.test")}
    zone = client.get(f"{API}/dns/zones/example.test", headers=tenant.service).json()
    assert zone["record_count"] == 2 and zone["status"] == "active"
    assert zone["nameservers"][0] == "grieg.wayscloud.no"
    assert client.get(f"{API}/dns/zones", headers=tenant.service).json()["zones"][0]["record_count"] == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"record_type": "A", "host": "www", "record": "256.1.1.1"}, "record"),
    ({"record_type": "AAAA", "host": "www", "record": "192.0.2.1"}, "record"),
    ({"record_type": "MX", "host": "@", "record": "mail.example.test"}, "priority"),
    ({"record_type": "SRV", "host": "_sip._tcp", "record": "5060 sip.example.test", "priority": 10}, "record"),
    ({"record_type": "CAA", "host": "@", "record": "issue letsencrypt.org"}, "record"),
    ({"record_type": "CNAME", "host": "@", "record": "other.example"}, "host"),
    ({"record_type": "PTR", "host": "1", "record": "host.example.test"}, "record_type"),
    ({"record_type": "A", "host": "bad host!", "record": "192.0.2.1"}, "host"),
    ({"record_type": "A", "host": "www", "record": "192.0.2.1", "ttl": 5}, "ttl"),
])
def test_a_record_that_does_not_fit_its_type_is_400_naming_the_field(client: TestClient, tenant: Tenant,
                                                                    body: dict[str, Any], field: str) -> None:
    _zone(client, tenant)
    response = _record(client, tenant, **body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith(f"body.{field}: Invalid format")


def test_srv_caa_txt_and_aaaa_are_stored_normalised(client: TestClient, tenant: Tenant) -> None:
    _zone(client, tenant)
    srv = _record(client, tenant, record_type="SRV", host="_sip._tcp", record="5 5060 SIP.example.test.", priority=10)
    assert srv.status_code == 201 and srv.json()["content"] == "5 5060 sip.example.test"
    caa = _record(client, tenant, record_type="CAA", host="", record='0 issue "letsencrypt.org"')
    assert caa.json()["name"] == "@" and caa.json()["content"] == '0 issue "letsencrypt.org"'
    aaaa = _record(client, tenant, record_type="AAAA", host="v6", record="2001:DB8:0:0::1")
    assert aaaa.json()["content"] == "2001:db8::1"
    assert _record(client, tenant, record_type="TXT", host="@", record="v=spf1 -all").status_code == 201


def test_a_cname_owns_its_name_alone(client: TestClient, tenant: Tenant) -> None:
    _zone(client, tenant)
    assert _record(client, tenant, record_type="A", host="www", record="192.0.2.1").status_code == 201
    beside = _record(client, tenant, record_type="CNAME", host="www", record="example.org")
    assert beside.status_code == 400 and "CNAME" in beside.json()["detail"]
    assert _record(client, tenant, record_type="CNAME", host="alias", record="example.org").status_code == 201
    under = _record(client, tenant, record_type="TXT", host="alias", record="x")
    assert under.status_code == 400 and under.json()["detail"].startswith("body.host:")


def test_an_update_changes_the_fields_it_names_and_is_checked_again(client: TestClient, tenant: Tenant) -> None:
    _zone(client, tenant)
    rid = _record(client, tenant, record_type="A", host="www", record="192.0.2.1").json()["id"]
    url = f"{API}/dns/zones/example.test/records/{rid}"
    updated = client.put(url, headers=tenant.service, json={"record": "192.0.2.2", "ttl": 600})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["content"], updated.json()["ttl"], updated.json()["name"]) == ("192.0.2.2", 600, "www")
    bad = client.put(url, headers=tenant.service, json={"record": "not-an-ip"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("body.record: Invalid format")
    assert client.delete(url, headers=tenant.service).json()["success"] is True
    assert client.put(url, headers=tenant.service, json={"ttl": 600}).status_code == 404
    assert client.get(f"{API}/dns/zones/example.test", headers=tenant.service).json()["record_count"] == 0


def test_zone_names_are_global_and_another_tenant_sees_none_of_them(client: TestClient, tenant: Tenant) -> None:
    _zone(client, tenant)
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    taken = client.post(f"{API}/dns/zones", headers=other, json={"domain": "Example.TEST."})
    assert taken.status_code == 400 and "already exists" in taken.json()["detail"]
    assert client.get(f"{API}/dns/zones/example.test", headers=other).status_code == 404
    assert client.get(f"{API}/dns/zones/example.test/records", headers=other).status_code == 404
    assert client.get(f"{API}/dns/zones", headers=other).json() == {"zones": [], "total": 0}
    assert client.delete(f"{API}/dns/zones/example.test", headers=tenant.service).status_code == 200
    assert client.post(f"{API}/dns/zones", headers=other, json={"domain": "example.test"}).status_code == 201


def test_dnssec_activation_returns_a_ds_record_of_the_zones_real_key(client: TestClient, tenant: Tenant) -> None:
    _zone(client, tenant)
    off = client.get(f"{API}/dns/zones/example.test/dnssec", headers=tenant.service).json()
    assert off["enabled"] is False and off["ds_records"] == []
    info = client.post(f"{API}/dns/zones/example.test/dnssec/activate", headers=tenant.service).json()
    assert info["enabled"] is True and info["algorithm"] == "ECDSAP256SHA256"
    owner, ttl, _, kind, tag, algorithm, digest_type, digest = info["ds_records"][0].split()
    assert (owner, ttl, kind, int(tag), algorithm, digest_type) == ("example.test.", "3600", "DS", info["key_tag"],
                                                                   "13", "2")
    assert len(digest) == 64
    again = client.post(f"{API}/dns/zones/example.test/dnssec/activate", headers=tenant.service).json()
    assert again["ds_records"] == info["ds_records"]
    assert client.get(f"{API}/dns/zones/example.test", headers=tenant.service).json()["dnssec_enabled"] is True
    assert client.delete(f"{API}/dns/zones/example.test/dnssec", headers=tenant.service).json()["success"] is True
    renewed = client.post(f"{API}/dns/zones/example.test/dnssec/activate", headers=tenant.service).json()
    assert renewed["ds_records"] != info["ds_records"]


def test_the_sdk_manages_zones_records_and_dnssec(sdk: Callable[..., wayscloud.WaysCloudClient]) -> None:
    cloud = sdk()
    made = cloud.dns.create_zone("sdk.test")
    assert made["name"] == "sdk.test" and made["zone_type"] == "master"
    apex = cloud.dns.create_record("sdk.test", "A", "198.51.100.4")
    assert (apex["name"], apex["content"]) == ("@", "198.51.100.4")
    mail = cloud.dns.create_record("sdk.test", "mx", "mx.sdk.test", name="@", priority=5)
    assert mail["priority"] == 5
    changed = cloud.dns.update_record("sdk.test", apex["id"], value="198.51.100.5", ttl=120)
    assert (changed["content"], changed["ttl"]) == ("198.51.100.5", 120)
    assert {r["value"] for r in cloud.dns.records("sdk.test")} == {"198.51.100.5", "mx.sdk.test"}
    assert cloud.dns.get("sdk.test")["record_count"] == 2
    status = cloud.dns.dnssec_activate("sdk.test")
    assert cloud.dns.dnssec_status("sdk.test")["key_tag"] == status["key_tag"]
    stats = cloud.dns.statistics("sdk.test")
    assert (stats["total_queries"], stats["record_count"]) == (0, 2)
    cloud.dns.delete_record("sdk.test", mail["id"])
    assert [r["type"] for r in cloud.dns.records("sdk.test")] == ["A"]
    cloud.dns.delete_zone("sdk.test")
    with pytest.raises(wayscloud.NotFoundError):
        cloud.dns.get("sdk.test")

