"""A read asked again gets the state as it is now, whether or not its answer could be given again."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tests.packs.bluelobster.conftest import Cloud


def listed(cloud: Cloud) -> list[str]:
    return [i["uuid"] for i in cloud.ok("GET", "/instances")]


def test_a_polled_list_shows_each_write_as_soon_as_it_is_made(cloud: Cloud) -> None:
    first = cloud.running(name="first-vm")
    asked = [cloud.call("GET", "/instances") for _ in range(4)]
    assert [r.json() for r in asked] == [asked[0].json()] * 4
    assert len({r.headers["X-Request-Id"] for r in asked}) == 4, "every answer carries its own request id"
    second = cloud.running(name="second-vm")
    assert listed(cloud) == [second, first]
    cloud.ok("PUT", f"/instances/{first}/rename", json={"name": "renamed-vm"})
    assert [i["name"] for i in cloud.ok("GET", "/instances")] == ["second-vm", "renamed-vm"]
    assert cloud.instance(first)["name"] == "renamed-vm"
    cloud.ok("DELETE", f"/instances/{second}")
    assert listed(cloud) == [first]
    assert cloud.call("GET", f"/instances/{second}").status_code == 404


def test_a_polled_instance_moves_with_its_task(slow_cloud: Cloud) -> None:
    instance_id = slow_cloud.launch()["instance_ids"][0]
    polled = [slow_cloud.instance(instance_id)["power_status"] for _ in range(3)]
    assert len(set(polled)) == 1
    slow_cloud.advance(3600)
    assert slow_cloud.instance(instance_id)["power_status"] != polled[0]
    assert slow_cloud.instance(instance_id) == slow_cloud.instance(instance_id)


def test_each_key_gets_its_own_answer(client: TestClient, cloud: Cloud, key_with: Callable[..., str]) -> None:
    inside, outside = cloud.running(), cloud.running()
    cloud.ok("PUT", f"/instances/{inside}/team", json={"team_id": "default"})
    team = Cloud(client, key_with(team_id="default"))
    # From its third asking a read's answer is kept, and given again from the fourth.
    for _ in range(4):
        assert listed(cloud) == [outside, inside]
        assert listed(team) == [inside]


def test_an_imported_state_is_what_the_next_read_shows(client: TestClient, cloud: Cloud) -> None:
    kept = cloud.running(name="kept-vm")
    snapshot = client.get("/_twinstack/state/export").json()
    later = cloud.running(name="later-vm")
    for _ in range(4):
        assert listed(cloud) == [later, kept]
    assert client.post("/_twinstack/state/import", json=snapshot).status_code == 200
    assert listed(cloud) == [kept]
    assert cloud.call("GET", f"/instances/{later}").status_code == 404
