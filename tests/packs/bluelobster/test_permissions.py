"""Permission flags and team roles on keys: the document's 403s, and only where it declares 403."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.bluelobster.conftest import API, Tenant, key_header
from twinstack.packs.bluelobster.pack import SEED
from twinstack.packs.bluelobster.permissions import RULES

VM = "3f7a9c1e-0000-4000-8000-0000000000aa"
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq9 dev@laptop"
LAUNCH = {"region": "us-east-1", "instance_type": "v1_cpu_medium", "username": "ubuntu", "ssh_key": SSH_KEY}
CUSTOM = {
    "name": "my-vm", "instance_type": "v1_cpu_medium", "host": "px1", "cores": 4, "memory": 16, "disk_size": 100,
    "gpu_count": 0, "username": "ubuntu", "template_name": "UBUNTU-22-04", "ssh_key": SSH_KEY,
}
FIREWALL_REFUSAL = "Your team role '{role}' cannot manage firewall. Required: owner, admin, or member"


def forbidden(message: str) -> dict[str, str]:
    return {"error": "forbidden", "message": message}


@pytest.mark.parametrize(
    ("permissions", "method", "path", "body", "message"),
    [
        ({"write": False}, "GET", "/instances/available", None, "Write permission required"),
        ({"buyer": False}, "POST", "/instances/launch-instance", LAUNCH, "Buyer permission required"),
        ({"write": False, "buyer": False}, "POST", "/instances/launch-instance", LAUNCH, "Write permission required"),
        ({"staff": False}, "POST", "/instances/launch-custom", CUSTOM, "Staff permission required"),
        ({"write": False}, "DELETE", "/backups?volid=wil-pbs-01:backup/vm/101/2024-01-15T10:30:00Z", None,
         "Write permission required"),
        ({"role": "member"}, "PUT", f"/instances/{VM}/team", {"team_id": "team-1"},
         "Only account owners/admins can assign VMs to teams"),
        ({"role": "viewer"}, "DELETE", f"/instances/{VM}/team", None,
         "Only account owners/admins can assign VMs to teams"),
        ({"role": "viewer"}, "GET", f"/instances/{VM}/firewall", None, FIREWALL_REFUSAL.format(role="viewer")),
        ({"role": "viewer"}, "POST", f"/instances/{VM}/firewall/rules", {"type": "in", "action": "ACCEPT"},
         FIREWALL_REFUSAL.format(role="viewer")),
        ({"team_id": "team-a"}, "GET", "/teams/team-b/instances", None,
         "Access denied - this API key is limited to team 'team-a'"),
    ],
    ids=[
        "available needs write", "launch needs buyer", "launch checks write first", "custom launch needs staff",
        "deleting a backup needs write", "members cannot assign teams", "viewers cannot unassign teams",
        "viewers cannot read the firewall", "viewers cannot add firewall rules", "team keys see only their team",
    ],
)
def test_a_key_without_the_permission_is_refused_with_403(
    client: TestClient, key_with: Callable[..., str], permissions: dict[str, Any], method: str, path: str,
    body: Any, message: str,
) -> None:
    key = key_with(**permissions)
    response = client.request(method, API + path, headers=key_header(key), json=body)
    assert response.status_code == 403, response.text
    assert response.json() == forbidden(message)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/instances/available", None),
        ("POST", "/instances/launch-instance", LAUNCH),
        ("POST", "/instances/launch-custom", CUSTOM),
        ("PUT", f"/instances/{VM}/team", {"team_id": "team-1"}),
        ("GET", f"/instances/{VM}/firewall", None),
        ("GET", "/teams/team-a/instances", None),
    ],
)
def test_the_tenants_own_key_holds_every_permission(client: TestClient, tenant: Tenant, method: str, path: str, body: Any) -> None:
    response = client.request(method, API + path, headers=tenant.headers, json=body)
    assert response.status_code != 403, response.text
    assert response.status_code < 500


def test_a_member_may_manage_the_firewall(client: TestClient, key_with: Callable[..., str]) -> None:
    response = client.get(f"{API}/instances/{VM}/firewall", headers=key_header(key_with(role="member")))
    assert response.status_code != 403


def test_a_team_key_may_list_its_own_team(client: TestClient, key_with: Callable[..., str]) -> None:
    response = client.get(f"{API}/teams/team-a/instances", headers=key_header(key_with(team_id="team-a")))
    assert response.status_code != 403


def test_a_read_only_key_still_reads(client: TestClient, key_with: Callable[..., str]) -> None:
    key = key_with(role="viewer", write=False, buyer=False, staff=False)
    assert client.get(f"{API}/instances", headers=key_header(key)).status_code == 200
    assert client.get(f"{API}/tasks", headers=key_header(key)).status_code == 200


def test_the_key_control_refuses_an_unknown_role(client: TestClient, tenant: Tenant) -> None:
    response = client.post("/_twinstack/bluelobster/api_keys", json={"tenant": tenant.id, "role": "superuser"})
    assert response.status_code == 400
    assert response.json()["field"] == "role"


def test_the_key_control_refuses_an_unknown_tenant(client: TestClient) -> None:
    response = client.post("/_twinstack/bluelobster/api_keys", json={"tenant": "nobody"})
    assert response.status_code == 404
    assert response.json()["field"] == "tenant"


def test_every_operation_that_refuses_declares_403() -> None:
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    declares_403 = {
        op["operationId"]
        for item in doc["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "403" in op.get("responses", {})
    }
    assert set(RULES) <= declares_403
