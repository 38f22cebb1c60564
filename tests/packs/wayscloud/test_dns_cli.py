"""``cloud dns ...`` of the official CLI against a live twin: the fields it prints are the twin's real values."""

from __future__ import annotations

from tests.packs.wayscloud.clients import CloudCLI
from tests.packs.wayscloud.conftest import Tenant


def test_zones_records_dnssec_and_statistics_through_the_cli(cloud: CloudCLI, cloud_tenant: Tenant) -> None:
    assert cloud("login", "--token", cloud_tenant.pat).code == 0
    made = cloud("dns", "zones-create", "cli.test")
    assert made.code == 0 and "cli.test" in made.stdout, made.stderr
    record = cloud("--json", "dns", "records-create", "cli.test", "--type", "A", "--value", "203.0.113.9",
                   "--name", "www", "--ttl", "600")
    assert record.code == 0, record.stderr
    rid = record.json()["id"]
    listed = cloud("dns", "records", "cli.test")
    assert listed.code == 0 and "203.0.113.9" in listed.stdout and "www" in listed.stdout
    assert cloud("dns", "records-update", "cli.test", rid, "--value", "203.0.113.10").code == 0
    assert "203.0.113.10" in cloud("dns", "records", "cli.test").stdout
    info = cloud("dns", "zones-info", "cli.test")
    assert info.code == 0 and "master" in info.stdout
    assert cloud("dns", "dnssec-activate", "cli.test").code == 0
    status = cloud("--json", "dns", "dnssec-status", "cli.test").json()
    assert status["enabled"] is True and f" DS {status['key_tag']} 13 2 " in status["ds_records"][0]
    stats = cloud("dns", "statistics", "cli.test")
    assert stats.code == 0 and "Records" in stats.stdout
    assert cloud("--json", "dns", "statistics", "cli.test").json() | {"response_time_ms_avg": 0} == {
        "total_queries": 0, "queries_today": 0, "queries_this_month": 0, "record_count": 1, "top_record_types": {},
        "response_time_ms_avg": 0}
    assert cloud("dns", "records-delete", "cli.test", rid, "--confirm").code == 0
    assert "203.0.113.10" not in cloud("dns", "records", "cli.test").stdout
    assert cloud("dns", "zones-delete", "cli.test", "--confirm").code == 0
    assert cloud("dns", "zones-info", "cli.test").code != 0
