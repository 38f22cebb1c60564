"""The issue's end-to-end scenarios, through HTTP only, in-process and against a real ``twinstack serve``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.packs.bluelobster.conftest import new_cloud


@pytest.fixture(params=["inprocess", "live"])
def http(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The same scenario against the in-process app and a real server (both at ``--speed instant``)."""
    if request.param == "inprocess":
        yield request.getfixturevalue("client")
    else:
        server: LiveServer = request.getfixturevalue("live_server")
        with server.http() as client:
            yield client


def test_a_whole_instance_life(http: Any) -> None:
    cloud = new_cloud(http)
    # launch -> task completes -> running with the IP it was promised
    available = cloud.ok("GET", "/instances/available")["data"]
    assert any(r["name"] == "us-east-1" for e in available if e["id"] == "gpu_1x_a4000"
               for r in e["regions_with_capacity_available"])
    launched = cloud.launch(instance_type="gpu_1x_a4000", name="trainer")
    assert cloud.task(launched["task_id"])["status"] == "COMPLETED"
    instance_id = launched["instance_ids"][0]
    instance = cloud.instance(instance_id)
    assert (instance["power_status"], instance["ip_address"]) == ("running", launched["assigned_ip"])

    # reboot, shutdown, power-on change the state
    assert cloud.ok("POST", f"/instances/{instance_id}/reboot")["message"] == "Instance rebooted successfully"
    cloud.task(cloud.ok("POST", f"/instances/{instance_id}/shutdown")["task_id"])
    assert cloud.instance(instance_id)["power_status"] == "stopped"
    cloud.task(cloud.ok("POST", f"/instances/{instance_id}/power-on")["task_id"])
    assert cloud.instance(instance_id)["power_status"] == "running"

    # backup -> restore
    cloud.task(cloud.ok("POST", f"/instances/{instance_id}/backup")["task_id"])
    volid = cloud.ok("GET", f"/instances/{instance_id}/backups")["backups"][0]["volid"]
    restore = cloud.ok("POST", f"/instances/{instance_id}/restore", json={"backup_volid": volid})
    assert cloud.task(restore["task_id"])["status"] == "COMPLETED"
    assert cloud.instance(instance_id)["power_status"] == "running"

    # firewall rule add / get / delete
    rule = {"type": "in", "action": "ACCEPT", "proto": "tcp", "dport": "22"}
    assert cloud.ok("POST", f"/instances/{instance_id}/firewall/rules", json=rule)["rule"]["pos"] == 0
    assert cloud.ok("GET", f"/instances/{instance_id}/firewall/rules/0")["dport"] == "22"
    cloud.ok("DELETE", f"/instances/{instance_id}/firewall/rules/0")
    assert cloud.ok("GET", f"/instances/{instance_id}/firewall")["rules"] == []

    # extra IP assign / release
    extra = cloud.ok("POST", f"/instances/{instance_id}/ips")["ip"]["ip_address"]
    assert cloud.ok("GET", f"/instances/{instance_id}/ips")["total"] == 2
    cloud.ok("DELETE", f"/instances/{instance_id}/ips/{extra}")
    assert cloud.ok("GET", f"/instances/{instance_id}/ips")["total"] == 1

    # delete -> 404, the backup stays with the account
    deleted = cloud.ok("DELETE", f"/instances/{instance_id}")
    assert cloud.task(deleted["task_id"])["status"] == "COMPLETED"
    assert cloud.call("GET", f"/instances/{instance_id}").status_code == 404
    assert [b["volid"] for b in cloud.ok("GET", "/backups")["backups"]] == [volid]
    operations = [t["operation"] for t in cloud.ok("GET", "/tasks")["tasks"]]
    assert operations[0] == "delete_instance" and operations[-1] == "create_instance"


def test_one_account_cannot_see_or_touch_anothers_instance(http: Any) -> None:
    owner, stranger = new_cloud(http), new_cloud(http)
    launched = owner.launch()
    instance_id = launched["instance_ids"][0]
    owner.task(launched["task_id"])
    assert stranger.ok("GET", "/instances") == []
    for method, path in (("GET", ""), ("DELETE", ""), ("POST", "/shutdown"), ("POST", "/reboot"), ("GET", "/stats"),
                         ("POST", "/console"), ("POST", "/backup"), ("GET", "/backups"), ("GET", "/firewall"),
                         ("GET", "/ips"), ("POST", "/ips"), ("PUT", "/rename"), ("GET", "/backup-schedule")):
        response = stranger.call(method, f"/instances/{instance_id}{path}", json={"name": "taken-over"})
        assert response.status_code == 404, (method, path, response.text)
    assert stranger.call("GET", f"/tasks/{launched['task_id']}").status_code == 404
    assert stranger.ok("GET", "/tasks")["total"] == 0
    assert owner.instance(instance_id)["power_status"] == "running"
