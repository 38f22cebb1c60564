"""WAYSCloud IP Intelligence: deterministic geo from the built-in table, threat scores from the twin's own
reports (trust-weighted, deduplicated), feed/country/ASN views, reporter verification through the twin's
DNS, the daily quota, and delisting checked on the twin clock."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.testclient import TestClient

from tests.conftest import LiveServer, tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key

IP = f"{API}/ip"


def _reporter(client: Any, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(f"{IP}/reporters/register", headers=headers, json={"name": "fail2ban on web1", **body})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def _report(client: Any, headers: dict[str, str], ip: str, category: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{IP}/report", headers=headers, json={"ip": ip, "category": category, **body})
    assert response.status_code == 200, response.text
    made: dict[str, Any] = response.json()
    return made


def test_the_documented_address_and_any_other_get_the_same_answer_every_time(client: TestClient,
                                                                            tenant: Tenant) -> None:
    google = client.get(f"{IP}/8.8.8.8", headers=tenant.service).json()
    assert google["hostname"] == "dns.google" and google["geo"]["country"] == "US"
    assert google["network"]["asn"] == 15169 and google["flags"]["datacenter"] is True
    assert google["threat"] == {"score": 0.0, "level": "clean", "is_clean": True}
    first = client.get(f"{IP}/84.210.17.3/geo", headers=tenant.service).json()
    assert first == client.get(f"{IP}/84.210.17.3/geo", headers=tenant.service).json()
    assert first["asn"] == client.get(f"{IP}/84.210.200.9/geo", headers=tenant.service).json()["asn"]
    assert 64512 <= first["asn"] <= 65534 and first["country"] and first["connection_type"] != "unknown"
    private = client.get(f"{IP}/10.1.2.3", headers=tenant.service).json()
    assert private["network"] == {"asn": None, "isp": None, "org": None, "connection_type": "unknown"}
    assert "country" not in private["geo"]
    bad = client.get(f"{IP}/999.1.1.1", headers=tenant.service)
    assert bad.status_code == 422 and bad.json()["detail"] == "path.ip: Input is not a valid IPv4 or IPv6 address"


def test_a_ptr_record_in_the_twins_dns_names_the_address(client: TestClient, tenant: Tenant) -> None:
    assert client.post(f"{API}/dns/zones", headers=tenant.service,
                       json={"domain": "113.0.203.in-addr.arpa"}).status_code == 201
    made = client.post(f"{API}/dns/zones/113.0.203.in-addr.arpa/records", headers=tenant.service,
                       json={"record_type": "PTR", "host": "7", "record": "gw.example.test"})
    assert made.status_code == 201, made.text
    assert client.get(f"{IP}/203.0.113.7/geo", headers=tenant.service).json()["hostname"] == "gw.example.test"


def test_reports_need_a_reporter_and_add_trust_weighted_points_once_an_hour(client: TestClient,
                                                                           tenant: Tenant) -> None:
    refused = client.post(f"{IP}/report", headers=tenant.service, json={"ip": "84.210.17.3", "category": "spam"})
    assert refused.status_code == 403
    reporter = _reporter(client, tenant.service)
    assert (reporter["trust_score"], reporter["status"]) == (0.4, "active")
    first = _report(client, tenant.service, "84.210.17.3", "ssh_bruteforce")
    assert first["initial_score"] == 24.0 and first["oid_record"].endswith(".8421017" + "3")
    again = _report(client, tenant.service, "84.210.17.3", "ssh_bruteforce")
    assert again["report_id"] == first["report_id"] and "not counted" in again["message"]
    _report(client, tenant.service, "84.210.17.3", "tor", severity="critical", confidence=0.5)
    threat = client.get(f"{IP}/84.210.17.3/threat", headers=tenant.service).json()
    assert (threat["score"], threat["level"], threat["total_reports"]) == (44.0, "medium", 2)
    assert set(threat["categories"]) == {"ssh_bruteforce", "tor"} and threat["flags"]["tor"] is True
    # The threat network is global: another tenant sees the same score.
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    assert client.get(f"{IP}/84.210.17.3", headers=other).json()["threat"]["score"] == 44.0


def test_feed_country_and_asn_views_aggregate_the_reports(client: TestClient, tenant: Tenant) -> None:
    _reporter(client, tenant.service, source_type="manual")
    geo = client.get(f"{IP}/84.210.17.3/geo", headers=tenant.service).json()
    assert client.get(f"{IP}/countries/{geo['country']}", headers=tenant.service).status_code == 404
    _report(client, tenant.service, "84.210.17.3", "port-scan")
    _report(client, tenant.service, "84.210.99.1", "port-scan")
    _report(client, tenant.service, "8.8.8.8", "spam")
    feed = client.get(f"{IP}/threats/live", headers=tenant.service, params={"limit": 2}).json()
    assert [t["ip"] for t in feed["threats"]] == ["8.8.8.8", "84.210.99.1"] and feed["count"] == 2
    country = client.get(f"{IP}/countries/{geo['country'].lower()}", headers=tenant.service).json()
    assert (country["total_threats"], country["top_categories"]) == (2, ["port-scan"])
    assert 0 < country["threat_density"] < 1
    asn = client.get(f"{IP}/asn/15169", headers=tenant.service).json()
    assert (asn["threat_count"], asn["country"], asn["total_ips"]) == (1, "US", 512)
    assert client.get(f"{IP}/asn/64999", headers=tenant.service).status_code == 404
    assert client.get(f"{IP}/countries/NOR", headers=tenant.service).status_code == 422


def test_a_reporter_verified_by_txt_record_reports_with_full_trust(client: TestClient, tenant: Tenant) -> None:
    reporter = _reporter(client, tenant.service, domain="acme.test", source_type="hybrid")
    missing = client.post(f"{IP}/reporters/verify", headers=tenant.service, json={})
    assert missing.status_code == 400 and "wayscloud-verify=" in missing.json()["detail"]
    client.post(f"{API}/dns/zones", headers=tenant.service, json={"domain": "acme.test"})
    client.post(f"{API}/dns/zones/acme.test/records", headers=tenant.service,
                json={"record_type": "TXT", "host": "@", "record": f"wayscloud-verify={reporter['reporter_id']}"})
    verified = client.post(f"{IP}/reporters/verify", headers=tenant.service, json={}).json()
    assert (verified["domain"], verified["trust_score"]) == ("acme.test", 1.0)
    assert _report(client, tenant.service, "84.210.17.3", "spam", severity="high")["initial_score"] == 80.0


def test_the_daily_quota_ends_in_429_and_a_new_day_resets_it(client: TestClient, tenant: Tenant) -> None:
    for _ in range(1000):
        assert client.get(f"{IP}/9.9.9.9/geo", headers=tenant.service).status_code == 200
    over = client.get(f"{IP}/9.9.9.9/geo", headers=tenant.service)
    assert over.status_code == 429 and int(over.headers["Retry-After"]) > 0
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    assert client.get(f"{IP}/9.9.9.9/geo", headers=other).status_code == 200
    client.post("/_twinstack/clock/advance", json={"seconds": 86400})
    assert client.get(f"{IP}/9.9.9.9/geo", headers=tenant.service).status_code == 200


def test_delisting_needs_the_hostname_and_the_origin_then_the_txt_record(live_twin: LiveServer) -> None:
    with live_twin.http() as http:
        keys = api_key(tenant_credentials(http)["credentials"]["wayscloud"]["api_key"])
        _reporter(http, keys)
        _report(http, keys, "127.0.0.1", "spam")
        http.post(f"{API}/dns/zones", headers=keys, json={"domain": "mail.test"})
        body = {"ip_address": "127.0.0.1", "hostname": "mx.mail.test", "reason": "The server was cleaned up.",
                "contact_email": "ops@mail.test"}
        unresolved = http.post(f"{IP}/delist", headers=keys, json=body)
        assert unresolved.status_code == 400 and "does not resolve" in unresolved.json()["detail"]
        http.post(f"{API}/dns/zones/mail.test/records", headers=keys,
                  json={"record_type": "A", "host": "mx", "record": "127.0.0.1"})
        elsewhere = http.post(f"{IP}/delist", headers=keys, json={**body, "ip_address": "127.0.0.2"})
        assert elsewhere.status_code == 400
        made = http.post(f"{IP}/delist", headers=keys, json=body)
        assert made.status_code == 201, made.text
        txt = made.json()["dns_verification"]["txt_record"]
        assert txt == f"wayscloud-delist={made.json()['request_id']}"
        _advance(http, 120)
        assert http.get(f"{IP}/127.0.0.1/threat", headers=keys).json()["total_reports"] == 1
        http.post(f"{API}/dns/zones/mail.test/records", headers=keys,
                  json={"record_type": "TXT", "host": "mx", "record": txt})
        _advance(http, 120)
        cleared = http.get(f"{IP}/127.0.0.1/threat", headers=keys).json()
        assert (cleared["score"], cleared["is_clean"], cleared["total_reports"]) == (0.0, True, 0)
        assert _report(http, keys, "127.0.0.1", "spam")["message"] == "Abuse report submitted successfully"


def _advance(http: httpx.Client, seconds: int) -> None:
    assert http.post("/_twinstack/clock/advance", json={"seconds": seconds}).status_code == 200


def test_a_delist_request_from_another_address_is_403(client: TestClient, tenant: Tenant) -> None:
    client.post(f"{API}/dns/zones", headers=tenant.service, json={"domain": "mail.test"})
    client.post(f"{API}/dns/zones/mail.test/records", headers=tenant.service,
                json={"record_type": "A", "host": "mx", "record": "84.210.17.3"})
    refused = client.post(f"{IP}/delist", headers=tenant.service, json={
        "ip_address": "84.210.17.3", "hostname": "mx.mail.test", "reason": "False positive, shared hosting.",
        "contact_email": "ops@mail.test"})
    assert refused.status_code == 403 and "84.210.17.3" in refused.json()["detail"]
