"""The public IP pool: shared by every account, never a duplicate, addresses returned and reused."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from starlette.testclient import TestClient

from tests.conftest import LiveServer
from tests.packs.bluelobster.conftest import LAUNCH, Cloud, new_cloud
from tests.store.pg import scratch_database


def addresses(cloud: Cloud, instance_id: str) -> list[str]:
    return [ip["ip_address"] for ip in cloud.ok("GET", f"/instances/{instance_id}/ips")["ips"]]


def test_the_primary_address_is_reserved_at_launch_and_listed_with_its_interface(cloud: Cloud) -> None:
    data = cloud.launch()
    listed = cloud.ok("GET", f"/instances/{data['instance_ids'][0]}/ips")
    assert listed["total"] == 1
    primary = listed["ips"][0]
    assert primary["ip_address"] == data["assigned_ip"]
    assert (primary["is_primary"], primary["interface"], primary["gateway"], primary["netmask"]) == (
        True, "net0", "198.51.100.1", "255.255.255.0")
    assert primary["mac_address"].startswith("BC:24:11:")
    assert ipaddress.ip_address(primary["ip_address"]) in ipaddress.ip_network("198.51.100.0/24")


def test_an_extra_address_is_assigned_released_and_handed_out_again(client: TestClient, cloud: Cloud) -> None:
    instance_id = cloud.running()
    extra = cloud.ok("POST", f"/instances/{instance_id}/ips")
    assert (extra["message"], extra["monthly_cost_cents"]) == ("IP assigned successfully", 300)
    assert (extra["ip"]["is_primary"], extra["ip"]["interface"]) == (False, "net1")
    address = extra["ip"]["ip_address"]
    assert addresses(cloud, instance_id)[1] == address

    released = cloud.ok("DELETE", f"/instances/{instance_id}/ips/{address}")
    assert released == {"message": "IP released successfully", "instance_id": instance_id, "ip_address": address}
    assert addresses(cloud, instance_id) == [cloud.instance(instance_id)["ip_address"]]
    # The lowest free address goes first, so another account's next launch gets the one just released.
    assert new_cloud(client).launch()["assigned_ip"] == address


def test_the_primary_address_cannot_be_released_and_an_unknown_one_is_not_found(cloud: Cloud) -> None:
    instance_id = cloud.running()
    primary = cloud.instance(instance_id)["ip_address"]
    refused = cloud.call("DELETE", f"/instances/{instance_id}/ips/{primary}")
    assert refused.status_code == 400
    assert (refused.json()["error"], refused.json()["field"]) == ("cannot_release_ip", "ip_address")
    assert cloud.call("DELETE", f"/instances/{instance_id}/ips/203.0.113.77").status_code == 404


def test_an_extra_address_needs_a_rented_instance(slow_cloud: Cloud) -> None:
    instance_id = slow_cloud.launch()["instance_ids"][0]
    response = slow_cloud.call("POST", f"/instances/{instance_id}/ips")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_state"


def test_a_deleted_instances_addresses_return_to_the_pool(cloud: Cloud) -> None:
    instance_id = cloud.running()
    extra = cloud.ok("POST", f"/instances/{instance_id}/ips")["ip"]["ip_address"]
    held = set(addresses(cloud, instance_id))
    cloud.task(cloud.ok("DELETE", f"/instances/{instance_id}")["task_id"])
    again = {cloud.launch()["assigned_ip"], cloud.launch()["assigned_ip"]}
    assert again == held and extra in again


def test_an_empty_pool_refuses_with_400(cloud: Cloud) -> None:
    instance_id = cloud.running(region="us-east-dev")
    for _ in range(252):
        cloud.ok("POST", f"/instances/{instance_id}/ips")
    response = cloud.call("POST", f"/instances/{instance_id}/ips")
    assert response.status_code == 400
    assert response.json() == {"error": "no_available_ips", "message": "No available IPs in region us-east-dev"}
    assert len(set(addresses(cloud, instance_id))) == 253


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state_args(request: pytest.FixtureRequest) -> Iterator[tuple[str, ...]]:
    """Where two workers keep their one state: the SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield ()
        return
    with scratch_database("twinstack_bluelobster") as url:
        yield ("--database-url", url)


def test_concurrent_launches_on_two_workers_never_share_an_address(
        make_server: Callable[..., LiveServer], state_args: tuple[str, ...]) -> None:
    server = make_server("--workers", "2", "--speed", "instant", "--services", "bluelobster", *state_args)
    with server.http() as http:
        keys = [new_cloud(http).api_key for _ in range(4)]

    def launch_four(n: int) -> list[str]:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            cloud = Cloud(http, keys[n % len(keys)])
            return [cloud.launch(instance_type="v1_cpu_small")["assigned_ip"] for _ in range(4)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        assigned = [ip for batch in pool.map(launch_four, range(16)) for ip in batch]
    assert len(assigned) == 64
    assert len(set(assigned)) == 64


def test_racing_launches_never_book_a_host_beyond_its_inventory(
        make_server: Callable[..., LiveServer], state_args: tuple[str, ...]) -> None:
    # us-east-dev has 4 A4000s (px1): of 24 racing launches on two workers exactly 4 get one.
    server = make_server("--workers", "2", "--speed", "instant", "--services", "bluelobster", *state_args)
    with server.http() as http:
        keys = [new_cloud(http).api_key for _ in range(4)]

    def launch(n: int) -> int:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            return int(Cloud(http, keys[n % len(keys)]).call(
                "POST", "/instances/launch-instance", json={**LAUNCH, "region": "us-east-dev",
                                                           "instance_type": "gpu_1x_a4000"}).status_code)

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(pool.map(launch, range(24)))
    assert statuses == [200] * 4 + [409] * 20
    with server.http() as http:
        dev = next(r for r in http.get("/_twinstack/bluelobster/inventory").json()["regions"]
                   if r["name"] == "us-east-dev")
    assert dev["in_use"]["gpus"] == 4 and dev["in_use"]["addresses"] == 4
