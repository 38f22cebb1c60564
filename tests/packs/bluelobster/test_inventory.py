"""The inventory control: hosts and address pools N times the catalogue's, in the state, reset by a reset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from starlette.testclient import TestClient

from tests.conftest import LiveServer
from tests.packs.bluelobster.conftest import Cloud, new_cloud

CONTROL = "/_twinstack/bluelobster/inventory"


def inventory(http: Any) -> dict[str, Any]:
    response = http.get(CONTROL)
    assert response.status_code == 200, response.text
    return dict(response.json())


def set_multiplier(http: Any, value: object) -> Any:
    return http.post(CONTROL, json={"multiplier": value})


def region(shown: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(next(r for r in shown["regions"] if r["name"] == name))


def launch_gpu(cloud: Cloud) -> Any:
    """One A4000 in Philadelphia: its only A4000 host (px1) has 4 GPUs in the catalogue."""
    return cloud.call("POST", "/instances/launch-instance", json={
        "region": "us-east-dev", "instance_type": "gpu_1x_a4000", "username": "ubuntu", "ssh_key": "ssh-ed25519 AAAA"})


def test_the_catalogue_inventory_is_shown_with_what_is_in_use(client: TestClient, cloud: Cloud) -> None:
    shown = inventory(client)
    assert shown["multiplier"] == 1
    east = region(shown, "us-east-1")
    assert (east["hosts"], east["cores"], east["gpus"], east["addresses"]) == (
        ["wil-cpu-01", "wil-gpu-25", "wil-gpu-26"], 192 + 64 + 128, 4 + 8, 253)
    assert east["in_use"] == {"cores": 0, "memory": 0, "storage": 0, "gpus": 0, "addresses": 0}

    cloud.running(instance_type="v1_cpu_medium")
    assert region(inventory(client), "us-east-1")["in_use"] == {
        "cores": 4, "memory": 16, "storage": 250, "gpus": 0, "addresses": 1}


def test_a_multiplier_of_ten_lets_ten_times_the_launches_through_then_409(client: TestClient, cloud: Cloud) -> None:
    assert [launch_gpu(cloud).status_code for _ in range(5)] == [200] * 4 + [409]

    answer = set_multiplier(client, 10)
    assert answer.status_code == 200, answer.text
    dev = region(answer.json(), "us-east-dev")
    assert (answer.json()["multiplier"], dev["cores"], dev["gpus"], dev["addresses"]) == (
        10, (128 + 64) * 10, (4 + 4) * 10, 2530)

    statuses = [launch_gpu(cloud).status_code for _ in range(37)]
    assert statuses == [200] * 36 + [409]
    assert region(inventory(client), "us-east-dev")["in_use"]["gpus"] == 40
    listed = cloud.ok("GET", "/instances")
    assert len(listed) == 40 and {i["host_id"] for i in listed} == {"px1"}


def test_a_larger_pool_hands_out_the_next_blocks_behind_their_own_gateway(client: TestClient, cloud: Cloud) -> None:
    assert set_multiplier(client, 2).status_code == 200
    instance_id = cloud.running(region="us-east-dev", instance_type="v1_cpu_small")
    extra = [cloud.ok("POST", f"/instances/{instance_id}/ips")["ip"] for _ in range(253)]
    assert [ip["ip_address"] for ip in extra[251:]] == ["203.0.113.254", "203.0.114.2"]
    assert (extra[-1]["gateway"], extra[-1]["netmask"]) == ("203.0.114.1", "255.255.255.0")
    listed = cloud.ok("GET", f"/instances/{instance_id}/ips")
    assert listed["total"] == 254 and len({ip["ip_address"] for ip in listed["ips"]}) == 254


def test_lowering_the_multiplier_takes_nothing_back_but_stops_new_launches(client: TestClient, cloud: Cloud) -> None:
    set_multiplier(client, 2)
    launched = [launch_gpu(cloud) for _ in range(6)]
    assert {r.status_code for r in launched} == {200}
    assert set_multiplier(client, 1).status_code == 200
    assert launch_gpu(cloud).status_code == 409
    assert len(cloud.ok("GET", "/instances")) == 6
    # Deleting three brings the use back under the catalogue's four GPUs: one launch fits again.
    for reply in launched[:3]:
        instance_id = reply.json()["data"]["instance_ids"][0]
        assert cloud.task(cloud.ok("DELETE", f"/instances/{instance_id}")["task_id"])["status"] == "COMPLETED"
    assert [launch_gpu(cloud).status_code for _ in range(2)] == [200, 409]


def test_a_multiplier_that_is_not_a_whole_number_from_one_is_400(client: TestClient) -> None:
    for bad in (0, -3, 2.5, "10", True, None, 10_001):
        response = set_multiplier(client, bad)
        assert response.status_code == 400, bad
        assert (response.json()["error"], response.json()["field"]) == ("invalid_request", "multiplier")
    assert inventory(client)["multiplier"] == 1


def test_the_multiplier_survives_a_restart_and_a_reset_brings_back_the_catalogue(
        make_server: Callable[..., LiveServer]) -> None:
    server = make_server("--speed", "instant", "--services", "bluelobster")
    with server.http() as http:
        assert set_multiplier(http, 3).status_code == 200
    server.restart()
    with server.http() as http:
        assert inventory(http)["multiplier"] == 3
        cloud = new_cloud(http)
        assert [launch_gpu(cloud).status_code for _ in range(12)] == [200] * 12
        assert http.post("/_twinstack/reset").status_code == 200
        assert inventory(http)["multiplier"] == 1
        assert region(inventory(http), "us-east-dev")["in_use"]["gpus"] == 0


def test_a_launch_that_loses_its_host_to_another_worker_books_nothing_there(
        client: TestClient, cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another worker has just taken all of wil-cpu-01's storage, and this launch's look at it still sees it free.
    store = client.app.state.runtime.store  # type: ignore[attr-defined]
    assert store.adjust("bluelobster:host_usage", "wil-cpu-01", {"storage": 12288}) is not None
    read = store.counters
    stale: list[str] = []

    def counters(namespace: str, key: str) -> dict[str, int]:
        if namespace == "bluelobster:host_usage" and key == "wil-cpu-01" and not stale:
            stale.append(key)
            return {}
        return dict(read(namespace, key))

    monkeypatch.setattr(store, "counters", counters)
    launched = cloud.launch(instance_type="v1_cpu_medium")
    assert stale == ["wil-cpu-01"]
    # Its booking there was refused, so it gave back what it had booked there and looked again.
    assert cloud.instance(launched["instance_ids"][0])["host_id"] == "wil-gpu-25"
    assert region(inventory(client), "us-east-1")["in_use"] == {
        "cores": 4, "memory": 16, "storage": 12288 + 250, "gpus": 0, "addresses": 1}
