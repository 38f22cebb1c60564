"""The firewall: options, rules by 0-based position, their validation, and what they let through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.bluelobster.conftest import Cloud

SSH = {"type": "in", "action": "ACCEPT", "proto": "tcp", "dport": "22", "comment": "SSH access"}
WEB = {"type": "in", "action": "ACCEPT", "proto": "tcp", "dport": "80,443", "comment": "Web traffic"}
MYSQL = {"type": "in", "action": "ACCEPT", "proto": "tcp", "dport": "3306", "source": "10.0.0.0/8"}


def probe(cloud: Cloud, instance_id: str, port: int, remote: str = "198.18.0.9", proto: str = "tcp") -> bool:
    """Whether a packet from ``remote`` to ``port`` gets in (the control plane plays the packet)."""
    response = cloud.http.post("/_twinstack/bluelobster/firewall/probe", json={
        "instance_id": instance_id, "direction": "in", "proto": proto, "port": port, "remote": remote})
    assert response.status_code == 200, response.text
    return bool(response.json()["accepted"])


def test_a_new_instance_has_proxmoxs_default_firewall(cloud: Cloud) -> None:
    instance_id = cloud.running()
    assert cloud.ok("GET", f"/instances/{instance_id}/firewall") == {
        "enabled": False, "policy_in": "DROP", "policy_out": "ACCEPT", "rules": []}
    assert probe(cloud, instance_id, 8080)


def test_enabling_with_drop_and_rules_decides_what_gets_in(cloud: Cloud) -> None:
    instance_id = cloud.running()
    updated = cloud.ok("PUT", f"/instances/{instance_id}/firewall", json={"enable": True, "policy_in": "DROP"})
    assert updated == {"status": "success", "message": "Firewall options updated",
                       "firewall": {"enabled": True, "policy_in": "DROP", "policy_out": "ACCEPT", "rules": []}}
    assert not probe(cloud, instance_id, 22)
    added = cloud.ok("POST", f"/instances/{instance_id}/firewall/rules", json=SSH)
    assert added == {"status": "success", "message": "Firewall rule added", "rule": {"pos": 0, **SSH, "enable": 1}}
    cloud.ok("POST", f"/instances/{instance_id}/firewall/rules", json=WEB)
    cloud.ok("POST", f"/instances/{instance_id}/firewall/rules", json=MYSQL)
    assert probe(cloud, instance_id, 22) and probe(cloud, instance_id, 443)
    assert probe(cloud, instance_id, 3306, remote="10.1.2.3") and not probe(cloud, instance_id, 3306)
    assert not probe(cloud, instance_id, 22, proto="udp")
    cloud.ok("PUT", f"/instances/{instance_id}/firewall", json={"enable": False})
    assert probe(cloud, instance_id, 3306)


def test_rules_are_read_and_deleted_by_position_and_later_ones_move_up(cloud: Cloud) -> None:
    instance_id = cloud.running()
    for rule in (SSH, WEB, MYSQL):
        cloud.ok("POST", f"/instances/{instance_id}/firewall/rules", json=rule)
    assert cloud.ok("GET", f"/instances/{instance_id}/firewall/rules/1") == {"pos": 1, **WEB, "enable": 1}
    deleted = cloud.ok("DELETE", f"/instances/{instance_id}/firewall/rules/0")
    assert deleted == {"status": "success", "message": "Firewall rule at position 0 deleted"}
    rules = cloud.ok("GET", f"/instances/{instance_id}/firewall")["rules"]
    assert [(r["pos"], r["comment"] if "comment" in r else r["dport"]) for r in rules] == [(0, "Web traffic"), (1, "3306")]
    missing = cloud.call("GET", f"/instances/{instance_id}/firewall/rules/5")
    assert missing.status_code == 404
    assert missing.json() == {"error": "rule_not_found", "message": "Rule at position 5 not found"}
    assert cloud.call("DELETE", f"/instances/{instance_id}/firewall/rules/2").status_code == 404


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        ({**SSH, "dport": "70000"}, "dport", "Invalid port format: must be 1-65535"),
        ({**SSH, "dport": "9000:8000"}, "dport", "Invalid port format: must be 1-65535"),
        ({**SSH, "sport": "ssh"}, "sport", "Invalid port format: must be 1-65535"),
        ({**SSH, "proto": "icmp"}, "dport", "Ports can only be used with protocol tcp or udp"),
        ({**SSH, "type": "inbound"}, "type", "Invalid rule type: must be 'in' or 'out'"),
        ({**SSH, "action": "ALLOW"}, "action", "Invalid action: must be ACCEPT, DROP or REJECT"),
        ({**SSH, "proto": "tcpx"}, "proto", "Invalid protocol: must be one of tcp, udp, icmp, icmpv6, sctp, gre, esp, ah"),
        ({**SSH, "source": "10.0.0.0/33"}, "source", "Invalid source address: must be an IP address or CIDR"),
        ({**SSH, "enable": 2}, "enable", "Invalid enable value: must be 0 or 1"),
    ],
)
def test_a_bad_rule_is_400_invalid_rule_naming_the_field(cloud: Cloud, rule: dict[str, Any], field: str,
                                                         message: str) -> None:
    instance_id = cloud.running()
    response = cloud.call("POST", f"/instances/{instance_id}/firewall/rules", json=rule)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_rule", "message": message, "field": field}


def test_a_port_list_and_range_are_accepted(cloud: Cloud) -> None:
    instance_id = cloud.running()
    rule = {"type": "in", "action": "ACCEPT", "dport": "8000:9000,22", "source": "203.0.113.50"}
    added = cloud.ok("POST", f"/instances/{instance_id}/firewall/rules", json=rule)["rule"]
    assert added["proto"] == "tcp"


def test_a_bad_policy_is_422_as_pydantic_words_a_literal(cloud: Cloud) -> None:
    instance_id = cloud.running()
    response = cloud.call("PUT", f"/instances/{instance_id}/firewall", json={"policy_in": "REJECT"})
    assert response.status_code == 422
    assert response.json() == {"detail": [{
        "type": "literal_error", "loc": ["body", "policy_in"], "msg": "Input should be 'ACCEPT' or 'DROP'",
        "input": "REJECT", "ctx": {"expected": "'ACCEPT' or 'DROP'"}}]}


def test_a_viewer_key_cannot_read_the_firewall(client: TestClient, cloud: Cloud,
                                               key_with: Callable[..., str]) -> None:
    instance_id = cloud.running()
    viewer = Cloud(client, key_with(role="viewer"))
    response = viewer.call("GET", f"/instances/{instance_id}/firewall")
    assert response.status_code == 403
    assert response.json()["message"] == ("Your team role 'viewer' cannot manage firewall. Required: owner, admin, "
                                          "or member")
    assert Cloud(client, key_with(role="member")).ok("GET", f"/instances/{instance_id}/firewall")["rules"] == []
