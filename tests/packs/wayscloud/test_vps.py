"""VPS through HTTP: the state machine on the twin clock, create checks, the address pool, delete -> 404."""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.testclient import TestClient

from tests.packs.wayscloud.conftest import API, Tenant

CREATE = {"hostname": "web01.example.com", "plan_code": "vps-4gb-2cpu", "region": "oslo",
          "os_template": "ubuntu-22.04"}


def create(client: TestClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/vps", headers=tenant.service, json={**CREATE, **fields})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def advance(client: TestClient, seconds: float) -> None:
    assert client.post("/_twinstack/clock/advance", json={"seconds": seconds}).status_code == 200


def state(client: TestClient, tenant: Tenant, vps_id: str) -> str:
    response = client.get(f"{API}/vps/{vps_id}", headers=tenant.service)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def test_create_answers_provisioning_with_addresses_then_runs(client: TestClient, tenant: Tenant) -> None:
    made = create(client, tenant, display_name="Web")
    assert made["status"] == "provisioning"
    assert ipaddress.ip_address(made["ipv4"]).version == 4 and ipaddress.ip_address(made["ipv6"]).version == 6
    assert (made["plan_code"], made["region"]) == ("vps-4gb-2cpu", "oslo")
    shown = client.get(f"{API}/vps/{made['id']}", headers=tenant.service).json()
    assert shown["status"] == "running" and shown["power_state"] == "running"
    assert shown["ipv4_address"] == made["ipv4"] and shown["ip_address"] == made["ipv4"]
    assert (shown["display_name"], shown["vcpus"], shown["memory_gb"], shown["disk_gb"]) == ("Web", 2, 4, 80)
    assert (shown["disk_format"], shown["snapshot_supported"]) == ("qcow2", True)


def test_stop_start_reboot_and_impossible_actions(client: TestClient, tenant: Tenant) -> None:
    vps = create(client, tenant)["id"]
    started = client.post(f"{API}/vps/{vps}/start", headers=tenant.service).json()
    assert started["success"] is False and "running" in started["message"]
    assert client.post(f"{API}/vps/{vps}/stop", headers=tenant.service).json() == {
        "success": True, "action": "stop", "message": "VPS is stopping"}
    assert state(client, tenant, vps) == "stopped"
    status = client.get(f"{API}/vps/{vps}/status", headers=tenant.service).json()
    assert (status["uptime_seconds"], status["cpu_usage_percent"], status["network_in_bytes"]) == (0, 0.0, 0)
    assert client.post(f"{API}/vps/{vps}/reboot", headers=tenant.service).json()["success"] is False
    assert client.post(f"{API}/vps/{vps}/start", headers=tenant.service).json()["success"] is True
    assert state(client, tenant, vps) == "running"
    assert client.post(f"{API}/vps/{vps}/reboot", headers=tenant.service).json()["success"] is True
    assert state(client, tenant, vps) == "running"


def test_uptime_and_counters_grow_while_running(client: TestClient, tenant: Tenant) -> None:
    vps = create(client, tenant)["id"]
    first = client.get(f"{API}/vps/{vps}/status", headers=tenant.service).json()
    advance(client, 3600)
    later = client.get(f"{API}/vps/{vps}/status", headers=tenant.service).json()
    assert later["uptime_seconds"] >= first["uptime_seconds"] + 3600
    assert later["network_in_bytes"] > first["network_in_bytes"]
    assert later["disk_usage_percent"] > first["disk_usage_percent"]
    assert later["power_state"] == "running" and later["memory_total_mb"] == 4096
    assert 0 < later["cpu_usage"] <= 100


def test_duplicate_hostname_is_409_and_free_again_after_delete(client: TestClient, tenant: Tenant) -> None:
    vps = create(client, tenant)["id"]
    again = client.post(f"{API}/vps", headers=tenant.service, json={**CREATE, "hostname": "WEB01.example.com"})
    assert again.status_code == 409
    assert again.json() == {"detail": "Hostname already in use by another VPS"}
    assert client.delete(f"{API}/vps/{vps}", headers=tenant.service).status_code == 200
    create(client, tenant)


def test_bad_plan_region_template_are_400_naming_the_field(client: TestClient, tenant: Tenant) -> None:
    for field, listing in (("plan_code", "plans"), ("region", "regions"), ("os_template", "os-templates")):
        response = client.post(f"{API}/vps", headers=tenant.service, json={**CREATE, field: "nope"})
        assert response.status_code == 400
        assert response.json() == {"detail": f"Invalid {field}. See GET /v1/vps/{listing} for available options"}
    windows = client.post(f"{API}/vps", headers=tenant.service,
                          json={**CREATE, "plan_code": "vps-2gb-1cpu", "os_template": "windows-server-2025"})
    assert windows.status_code == 400 and "plan_code" in windows.json()["detail"]
    assert create(client, tenant, region="NO")["region"] == "oslo"


def test_concurrent_creates_never_share_an_address(client: TestClient, tenant: Tenant) -> None:
    def one(i: int) -> dict[str, Any]:
        return create(client, tenant, hostname=f"node{i}.example.com", region="stockholm")

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(one, range(24)))
    assert len({m["ipv4"] for m in made}) == 24 and len({m["ipv6"] for m in made}) == 24
    listed = client.get(f"{API}/vps/", headers=tenant.service, params={"region": "stockholm"}).json()
    assert listed["total"] == 24 and listed["vps_instances"] == listed["instances"]


def test_list_filters_by_status_and_region(client: TestClient, tenant: Tenant) -> None:
    a = create(client, tenant, hostname="a.example.com")["id"]
    create(client, tenant, hostname="b.example.com", region="frankfurt")
    client.post(f"{API}/vps/{a}/stop", headers=tenant.service)
    stopped = client.get(f"{API}/vps", headers=tenant.service, params={"status": "stopped"}).json()
    assert [v["id"] for v in stopped["instances"]] == [a]
    frankfurt = client.get(f"{API}/vps/", headers=tenant.service, params={"region": "frankfurt"}).json()
    assert [v["hostname"] for v in frankfurt["vps_instances"]] == ["b.example.com"]


def test_another_tenants_vps_is_404(client: TestClient, tenant: Tenant) -> None:
    from tests.conftest import tenant_credentials
    from tests.packs.wayscloud.conftest import api_key

    vps = create(client, tenant)["id"]
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    assert client.get(f"{API}/vps/{vps}", headers=other).status_code == 404
    assert client.get(f"{API}/vps", headers=other).json()["total"] == 0


def test_delete_makes_every_path_404(client: TestClient, tenant: Tenant) -> None:
    vps = create(client, tenant)["id"]
    client.post(f"{API}/vps/{vps}/snapshots", headers=tenant.service, json={"snapshot_name": "first"})
    assert client.post(f"{API}/vps/{vps}/backups", headers=tenant.service).status_code == 202
    assert client.delete(f"{API}/vps/{vps}", headers=tenant.service).json()["success"] is True
    for path in ("", "/status", "/snapshots", "/firewall"):
        response = client.get(f"{API}/vps/{vps}{path}", headers=tenant.service)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "VPS not found"}
    for action in ("start", "stop", "reboot"):
        assert client.post(f"{API}/vps/{vps}/{action}", headers=tenant.service).status_code == 404
    assert client.delete(f"{API}/vps/{vps}", headers=tenant.service).status_code == 404
    assert client.get(f"{API}/vps/{vps}/backups", headers=tenant.service).json()["backups"] == []
    assert client.get(f"{API}/vps", headers=tenant.service).json()["total"] == 0


def test_update_upgrade_and_firewall(client: TestClient, tenant: Tenant) -> None:
    vps = create(client, tenant)["id"]
    updated = client.patch(f"{API}/vps/{vps}", headers=tenant.service, json={"display_name": "Prod", "tags": ["a"]})
    assert updated.status_code == 200 and updated.json()["display_name"] == "Prod"
    assert client.patch(f"{API}/vps/{vps}", headers=tenant.service, json={}).status_code == 200
    upgraded = client.post(f"{API}/vps/{vps}/upgrade", headers=tenant.service, json={"new_plan_code": "vps-8gb-4cpu"})
    assert upgraded.json()["success"] is True
    assert client.get(f"{API}/vps/{vps}", headers=tenant.service).json()["memory_gb"] == 8
    bad = client.post(f"{API}/vps/{vps}/upgrade", headers=tenant.service, json={"new_plan_code": "huge"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("body.new_plan_code: Input should be")
    rule = client.post(f"{API}/vps/{vps}/firewall", headers=tenant.service, json={"port": 22, "protocol": "tcp",
                                                                                  "source": "10.0.0.0/8"})
    assert rule.status_code == 201 and rule.json()["id"].startswith("fw-")
    assert client.get(f"{API}/vps/{vps}/firewall", headers=tenant.service).json()["rules"] == [rule.json()]
    gone = client.delete(f"{API}/vps/{vps}/firewall/{rule.json()['id']}", headers=tenant.service)
    assert gone.status_code == 200
    assert client.delete(f"{API}/vps/{vps}/firewall/{rule.json()['id']}", headers=tenant.service).status_code == 404
    assert client.post(f"{API}/vps/{vps}/firewall", headers=tenant.service, json={"port": 70000}).status_code == 422


def test_catalogues_carry_both_spellings(client: TestClient, tenant: Tenant) -> None:
    plans = client.get(f"{API}/vps/plans/", headers=tenant.service).json()
    assert [p["plan_code"] for p in plans] == ["vps-2gb-1cpu", "vps-4gb-2cpu", "vps-8gb-4cpu"]
    assert (plans[1]["vcpus"], plans[1]["vcpu"], plans[1]["ram_mb"], plans[1]["monthly_price"]) == (2, 2, 4096, 199.0)
    assert client.get(f"{API}/vps/plans", headers=tenant.service).json() == plans
    assert client.get(f"{API}/vps/plans/region/stockholm", headers=tenant.service).json() == plans
    assert client.get(f"{API}/vps/plans/region/mars", headers=tenant.service).status_code == 404
    templates = client.get(f"{API}/vps/os-templates/", headers=tenant.service).json()
    assert {"id": "windows-server-2025", "os_family": "windows"}.items() <= templates[-1].items()
    regions = client.get(f"{API}/vps/regions", headers=tenant.service).json()
    assert [r["code"] for r in regions] == ["oslo", "stockholm", "frankfurt"]
    assert client.get(f"{API}/vps/addons/", headers=tenant.service, params={"region": "oslo"}).json()[0]["addon_code"]


def test_realistic_timings_follow_the_clock(make_client: Any) -> None:
    from tests.conftest import tenant_credentials
    from tests.packs.wayscloud.conftest import api_key

    client = make_client(speed="realistic")
    headers = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    vps = client.post(f"{API}/vps", headers=headers, json=CREATE).json()["id"]

    def status() -> str:
        return str(client.get(f"{API}/vps/{vps}", headers=headers).json()["status"])

    # (action sent first, twin seconds then passed, state shown): the brief's 90 s / 15 s / 45 s / 75 s.
    steps = [(None, 80, "provisioning"), (None, 15, "running"), ("stop", 0, "stopping"), (None, 16, "stopped"),
             ("start", 30, "starting"), (None, 20, "running"), ("reboot", 0, "stopping"), (None, 20, "starting"),
             (None, 60, "running")]
    for action, seconds, expected in steps:
        if action:
            assert client.post(f"{API}/vps/{vps}/{action}", headers=headers).json()["success"] is True
        advance(client, seconds)
        assert status() == expected, (action, seconds)
