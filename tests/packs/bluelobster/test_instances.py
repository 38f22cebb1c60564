"""Instances: launch rules, reading back, rename, teams and delete, through HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.testclient import TestClient

from tests.packs.bluelobster.conftest import API, CUSTOM, Cloud, key_header


def test_a_standard_launch_fills_in_name_template_and_access_from_the_type(cloud: Cloud) -> None:
    instance = cloud.instance(cloud.running(instance_type="gpu_1x_a4000", metadata={"project": "ml"}))
    assert re.fullmatch(r"gpu-1x-a4000-[0-9a-f]{6}", instance["name"])
    assert (instance["template_name"], instance["os_type"], instance["access_type"]) == ("UBUNTU-22-04-NV", "linux", "ssh")
    assert (instance["cpu_cores"], instance["memory"], instance["storage"], instance["gpu_count"]) == (8, 32, 250, 1)
    assert (instance["gpu_model"], instance["price_cents_per_hour"]) == ("RTX A4000", 45)
    assert (instance["metadata"], instance["vm_username"], instance["region"]) == ({"project": "ml"}, "ubuntu", "us-east-1")
    assert cloud.instance(cloud.running(name="plain-box"))["template_name"] == "UBUNTU-22-04"


def test_a_linux_template_needs_an_ssh_key_and_windows_a_password(cloud: Cloud) -> None:
    no_key = cloud.call("POST", "/instances/launch-instance",
                        json={"region": "us-east-1", "instance_type": "v1_cpu_medium", "username": "ubuntu"})
    assert no_key.status_code == 400
    assert no_key.json()["error"] == "invalid_request"
    assert "ssh_key" in no_key.json()["details"]
    windows = {"template_name": "WIN10", "ssh_key": None}
    assert "password" in cloud.call("POST", "/instances/launch-instance",
                                    json={"region": "us-east-1", "instance_type": "v1_cpu_medium", "username": "Admin",
                                          "template_name": "WIN10"}).json()["details"]
    launched = cloud.instance(cloud.running(**windows, password="S3cure-pass!"))
    assert (launched["os_type"], launched["access_type"]) == ("windows", "password")


def test_an_unknown_template_is_400_listing_the_templates(cloud: Cloud) -> None:
    response = cloud.call("POST", "/instances/launch-instance",
                          json={"region": "us-east-1", "instance_type": "v1_cpu_medium", "username": "u",
                                "template_name": "DEBIAN-12"})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid template: DEBIAN-12"
    assert "WIN10" in response.json()["details"]["valid_templates"]


def test_custom_launch_rules_are_400_with_details_per_field(cloud: Cloud) -> None:
    response = cloud.call("POST", "/instances/launch-custom", json={**CUSTOM, "memory": 17, "cores": 6})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "message": "Invalid resource specifications", "details": {
        "memory": "Must be an even number between 8 and 512", "cores": "Must be a power of 2 between 1 and 64"}}
    unknown_host = cloud.call("POST", "/instances/launch-custom", json={**CUSTOM, "host": "px9"}).json()
    assert set(unknown_host["details"]) == {"host"}
    neither = cloud.call("POST", "/instances/launch-custom", json={**CUSTOM, "template_name": None}).json()
    assert set(neither["details"]) == {"template_name"}
    no_login = cloud.call("POST", "/instances/launch-custom", json={**CUSTOM, "ssh_key": None}).json()
    assert set(no_login["details"]) == {"ssh_key"}


def test_a_custom_launch_is_flat_and_lands_on_the_named_host(cloud: Cloud) -> None:
    reply = cloud.ok("POST", "/instances/launch-custom", json={**CUSTOM, "gpu_count": 2, "template_name": "UBUNTU-22-04-NV"})
    assert set(reply) == {"task_id", "vm_uuid", "assigned_ip", "status", "timestamp", "next_steps"}
    assert reply["next_steps"]["task_status_endpoint"] == f"/api/v1/tasks/{reply['task_id']}"
    assert cloud.task(reply["task_id"])["status"] == "COMPLETED"
    instance = cloud.instance(reply["vm_uuid"])
    assert (instance["host_id"], instance["region"], instance["gpu_count"], instance["ip_address"]) == (
        "px1", "us-east-dev", 2, reply["assigned_ip"])


def test_a_windows_custom_launch_shows_its_generated_password_once(cloud: Cloud) -> None:
    body = {**CUSTOM, "name": "windows-workstation", "template_name": "WIN10", "ssh_key": None, "username": "admin"}
    reply = cloud.ok("POST", "/instances/launch-custom", json=body)
    credentials = reply["credentials"]
    assert credentials["username"] == "admin"
    assert len(credentials["password"]) == 16
    assert "only once" in credentials["note"]
    password = credentials["password"]
    for path in (f"/instances/{reply['vm_uuid']}", "/instances", f"/tasks/{reply['task_id']}", "/tasks"):
        assert password not in cloud.call("GET", path).text


def test_instances_are_listed_newest_first_and_gone_once_deleted(cloud: Cloud) -> None:
    first, second = cloud.running(name="first-vm"), cloud.running(name="second-vm")
    assert [i["uuid"] for i in cloud.ok("GET", "/instances")] == [second, first]
    deleted = cloud.ok("DELETE", f"/instances/{first}")
    assert deleted == {"status": "success", "message": "Instance deleted successfully", "instance_id": first,
                       "host": deleted["host"], "task_id": deleted["task_id"]}
    assert [i["uuid"] for i in cloud.ok("GET", "/instances")] == [second]
    gone = cloud.call("GET", f"/instances/{first}")
    assert gone.status_code == 404
    assert gone.json() == {"error": "instance_not_found", "message": f"Instance {first} not found"}
    assert cloud.call("DELETE", f"/instances/{first}").status_code == 404


def test_an_instance_still_being_created_cannot_be_deleted(slow_cloud: Cloud) -> None:
    instance_id = slow_cloud.launch()["instance_ids"][0]
    response = slow_cloud.call("DELETE", f"/instances/{instance_id}")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_state", "message": "VM is not in 'rented' status: creating"}


def test_rename_keeps_the_id_and_enforces_the_name_rules(cloud: Cloud) -> None:
    instance_id, other = cloud.running(name="web-1"), cloud.running(name="web-2")
    renamed = cloud.ok("PUT", f"/instances/{instance_id}/rename", json={"name": "my_production-server"})
    assert renamed == {"message": "Instance renamed successfully", "instance_id": instance_id,
                       "new_name": "my_production-server"}
    assert cloud.instance(instance_id)["name"] == "my_production-server"
    for bad in ({"name": "ab"}, {"name": "has space"}, {"name": "web-2"}, {}):
        response = cloud.call("PUT", f"/instances/{instance_id}/rename", json=bad)
        assert response.status_code == 400, bad
        assert (response.json()["error"], response.json()["field"]) == ("invalid_name", "name")
    assert cloud.instance(other)["name"] == "web-2"


def test_team_assignment_sets_the_team_and_lists_its_instances(cloud: Cloud) -> None:
    instance_id, outside = cloud.running(), cloud.running()
    assigned = cloud.ok("PUT", f"/instances/{instance_id}/team", json={"team_id": "default"})
    assert assigned == {"message": "VM assigned to team successfully", "instance_id": instance_id,
                        "team_id": "default", "team_name": "Default Team"}
    assert (cloud.instance(instance_id)["team_id"], cloud.instance(instance_id)["team_name"]) == ("default", "Default Team")
    team = cloud.ok("GET", "/teams/default/instances")
    assert (team["total"], [i["uuid"] for i in team["instances"]]) == (1, [instance_id])
    assert cloud.call("PUT", f"/instances/{outside}/team", json={"team_id": "nope"}).status_code == 404
    assert cloud.call("PUT", f"/instances/{outside}/team").status_code == 404
    assert cloud.ok("DELETE", f"/instances/{instance_id}/team")["message"] == "VM removed from team successfully"
    assert cloud.ok("GET", "/teams/default/instances")["total"] == 0
    assert cloud.call("GET", "/teams/nope/instances").status_code == 404


def test_a_team_key_sees_and_launches_only_in_its_team(client: TestClient, cloud: Cloud,
                                                       key_with: Callable[..., str]) -> None:
    mine = cloud.running()
    team_key = key_with(team_id="research")
    team_cloud = Cloud(client, team_key, cloud.tenant_id)
    assert team_cloud.ok("GET", "/instances") == []
    assert team_cloud.call("GET", f"/instances/{mine}").status_code == 404
    theirs = team_cloud.running()
    assert team_cloud.instance(theirs)["team_id"] == "research"
    assert {i["uuid"] for i in cloud.ok("GET", "/instances")} == {mine, theirs}
    listed = client.get(f"{API}/teams/research/instances", headers=key_header(team_key)).json()
    assert [i["uuid"] for i in listed["instances"]] == [theirs]


def test_teams_made_in_the_dashboard_can_be_assigned(client: TestClient, cloud: Cloud) -> None:
    made = client.post("/_twinstack/bluelobster/teams", json={"tenant": cloud.tenant_id, "team_id": "ml", "name": "ML"})
    assert made.json() == {"tenant": cloud.tenant_id, "team_id": "ml", "team_name": "ML"}
    instance_id = cloud.running()
    assert cloud.ok("PUT", f"/instances/{instance_id}/team?team_id=ml")["team_name"] == "ML"
    assert client.post("/_twinstack/bluelobster/teams", json={"tenant": "nobody", "team_id": "x"}).status_code == 404
    assert client.post("/_twinstack/bluelobster/teams", json={"tenant": cloud.tenant_id}).status_code == 400


def test_the_list_shows_the_right_instances_among_many_tasks_and_deletions(cloud: Cloud) -> None:
    launched = [cloud.running(name=f"vm-{n}") for n in range(6)]
    for instance_id in launched:
        for _ in range(5):
            cloud.ok("POST", f"/instances/{instance_id}/power-cycle")
    for instance_id in launched[::2]:
        cloud.task(cloud.ok("DELETE", f"/instances/{instance_id}")["task_id"])
    listed = cloud.ok("GET", "/instances")
    assert [i["uuid"] for i in listed] == launched[1::2][::-1]
    assert {i["power_status"] for i in listed} == {"running"}
    assert cloud.ok("GET", "/tasks")["total"] == 6 + 30 + 3
