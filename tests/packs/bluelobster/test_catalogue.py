"""The catalogue and host capacity: what ``/instances/available`` shows is what launches can take."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.packs.bluelobster.conftest import CUSTOM, LAUNCH, Cloud, new_cloud


def regions_for(cloud: Cloud, type_name: str) -> list[str]:
    listed = cloud.ok("GET", "/instances/available")["data"]
    entry = next(e for e in listed if e["id"] == type_name)
    return [r["name"] for r in entry["regions_with_capacity_available"]]


def test_templates_are_the_documents_four(cloud: Cloud) -> None:
    listed = cloud.ok("GET", "/instances/templates")
    assert listed["total"] == 4
    by_name = {t["name"]: t for t in listed["templates"]}
    assert set(by_name) == {"UBUNTU-22-04-NV", "UBUNTU-22-04", "UBUNTU-22-04-NV-DK", "WIN10"}
    assert by_name["UBUNTU-22-04-NV"]["has_nvidia"] is True
    assert by_name["WIN10"]["os_type"] == "windows"
    assert set(by_name["UBUNTU-22-04"]) == {"name", "vmid", "display_name", "os_type", "has_nvidia"}


def test_available_lists_types_with_specs_prices_and_regions_as_the_example_does(cloud: Cloud) -> None:
    listed = {e["id"]: e for e in cloud.ok("GET", "/instances/available")["data"]}
    assert listed["v1_cpu_medium"]["instance_type"] == {
        "name": "v1_cpu_medium", "description": "CPU Only Instance", "gpu_description": "N/A - CPU Only",
        "price_cents_per_hour": 6, "specs": {"vcpus": 4, "memory_gib": 16, "storage_gib": 250, "gpus": 0},
    }
    assert listed["gpu_1x_a4000"]["instance_type"]["specs"]["gpu_model"] == "A4000"
    philadelphia = {"name": "us-east-dev", "description": "Philadelphia, PA",
                    "location": {"city": "Philadelphia", "state": "PA", "country": "US"}}
    assert philadelphia in listed["gpu_1x_a4000"]["regions_with_capacity_available"]


def test_launches_consume_capacity_until_the_region_drops_out_and_the_next_launch_is_409(cloud: Cloud) -> None:
    # us-east-dev has one A4000 host (px1) with 4 GPUs.
    launched = [cloud.running(region="us-east-dev", instance_type="gpu_1x_a4000") for _ in range(3)]
    assert "us-east-dev" not in regions_for(cloud, "gpu_2x_a4000")
    assert "us-east-dev" in regions_for(cloud, "gpu_1x_a4000")
    launched.append(cloud.running(region="us-east-dev", instance_type="gpu_1x_a4000"))
    assert "us-east-dev" not in regions_for(cloud, "gpu_1x_a4000")
    assert "us-east-1" in regions_for(cloud, "gpu_1x_a4000")

    refused = cloud.call("POST", "/instances/launch-instance",
                         json=_launch("us-east-dev", "gpu_1x_a4000"))
    assert refused.status_code == 409
    assert refused.json() == {"error": "resource_conflict",
                              "message": "Requested resources not available in specified region"}
    assert {cloud.instance(i)["host_id"] for i in launched} == {"px1"}


def test_a_delete_gives_the_capacity_back_once_its_task_completes(cloud: Cloud) -> None:
    launched = [cloud.running(region="us-east-dev", instance_type="gpu_1x_a4000") for _ in range(4)]
    deleted = cloud.ok("DELETE", f"/instances/{launched[0]}")
    assert cloud.task(deleted["task_id"])["status"] == "COMPLETED"
    assert "us-east-dev" in regions_for(cloud, "gpu_1x_a4000")
    assert cloud.running(region="us-east-dev", instance_type="gpu_1x_a4000")


def test_capacity_is_shared_by_every_account(client: TestClient, cloud: Cloud) -> None:
    other = new_cloud(client)
    for _ in range(4):
        other.running(region="us-east-dev", instance_type="gpu_1x_a4000")
    assert "us-east-dev" not in regions_for(cloud, "gpu_1x_a4000")
    assert cloud.call("POST", "/instances/launch-instance",
                      json=_launch("us-east-dev", "gpu_1x_a4000")).status_code == 409


def test_an_unknown_type_or_region_is_400_listing_the_valid_ones(cloud: Cloud) -> None:
    response = cloud.call("POST", "/instances/launch-instance", json=_launch("eu-west-9", "v1_cpu_medium"))
    assert response.status_code == 400
    body = response.json()
    assert (body["error"], body["message"]) == ("invalid_request", "Invalid instance type or region specified")
    assert "v1_cpu_medium" in body["details"]["valid_instance_types"]
    assert body["details"]["valid_regions"] == ["us-east-1", "us-east-dev"]


def test_a_custom_launch_beyond_the_hosts_capacity_is_409_with_what_is_left(cloud: Cloud) -> None:
    big = {**CUSTOM, "cores": 64, "memory": 256, "disk_size": 500}
    for name in ("big-1", "big-2"):
        assert cloud.call("POST", "/instances/launch-custom", json={**big, "name": name}).status_code == 200
    response = cloud.call("POST", "/instances/launch-custom", json={**big, "name": "big-3"})
    assert response.status_code == 409
    assert response.json() == {
        "error": "resource_conflict", "message": "Requested resources not available on specified host",
        "available_resources": {"cores": 0, "memory": 0, "storage": 1048, "gpus": 4},
    }


def _launch(region: str, instance_type: str) -> dict[str, Any]:
    return {**LAUNCH, "region": region, "instance_type": instance_type}


def test_capacity_comes_back_exactly_once_however_often_the_deletion_is_read(client: TestClient, cloud: Cloud) -> None:
    def in_use() -> dict[str, int]:
        dev = next(r for r in client.get("/_twinstack/bluelobster/inventory").json()["regions"]
                   if r["name"] == "us-east-dev")
        return dict(dev["in_use"])

    instance_id = cloud.running(region="us-east-dev", instance_type="gpu_1x_a4000")
    assert in_use() == {"cores": 8, "memory": 32, "storage": 250, "gpus": 1, "addresses": 1}
    task_id = cloud.ok("DELETE", f"/instances/{instance_id}")["task_id"]
    for _ in range(3):
        assert cloud.task(task_id)["status"] == "COMPLETED"
        cloud.ok("GET", "/instances/available")
    assert in_use() == {"cores": 0, "memory": 0, "storage": 0, "gpus": 0, "addresses": 0}
    assert [cloud.running(region="us-east-dev", instance_type="gpu_1x_a4000") for _ in range(4)]
    assert in_use()["gpus"] == 4
