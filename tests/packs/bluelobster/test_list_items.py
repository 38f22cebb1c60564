"""The instance list is made of each stored instance's view, kept per stored text: what it shows is the instance as it is."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.testclient import TestClient

from tests.packs.bluelobster.conftest import Cloud
from twinstack.packs.bluelobster import instances

LIST = "list_instances_api_v1_instances_get"


def test_each_listed_instance_is_the_instance_as_read_by_id(cloud: Cloud) -> None:
    kept, renamed, teamed, deleted = (cloud.running(name=f"vm-{n}") for n in range(4))
    for _ in range(2):
        # Asked with a query no operation declares, so each answer is made again rather than given again.
        assert [i["uuid"] for i in cloud.ok("GET", "/instances?n=1")] == [deleted, teamed, renamed, kept]
    cloud.ok("PUT", f"/instances/{renamed}/rename", json={"name": "vm-renamed"})
    cloud.ok("PUT", f"/instances/{teamed}/team", json={"team_id": "default"})
    cloud.ok("DELETE", f"/instances/{deleted}")
    listed = cloud.ok("GET", "/instances?n=2")
    assert listed == [cloud.instance(i) for i in (teamed, renamed, kept)]
    assert [i["name"] for i in listed] == ["vm-2", "vm-renamed", "vm-0"] and listed[0]["team_id"] == "default"


def _views(client: TestClient) -> tuple[Any, Any]:
    twin = client.app.state.runtime.twins["bluelobster"]  # type: ignore[attr-defined]
    return twin.views, twin.spec.by_id()[LIST]


def test_an_item_the_document_refuses_leaves_the_reply_to_the_renderer(client: TestClient, cloud: Cloud) -> None:
    cloud.running()
    store = client.app.state.runtime.store  # type: ignore[attr-defined]
    good = store.find_texts("bluelobster", cloud.tenant_id, "instances").texts[0]
    views, op = _views(client)
    shown = instances.public(orjson.loads(good))
    assert views.array(op, 200, [good, good], instances.listed) == orjson.dumps([shown, shown])
    bad = orjson.dumps({**orjson.loads(good), "cpu_cores": "four"}).decode()
    assert views.array(op, 200, [good, bad], instances.listed) is None
    gone = orjson.dumps({**orjson.loads(good), "status": "deleted"}).decode()
    assert views.array(op, 200, [gone, good], instances.listed) == orjson.dumps([shown])
    # A view that would show a private key is not sent as it is (the view of a text not seen before).
    other = orjson.dumps({**orjson.loads(good), "name": "other-vm"}).decode()
    assert views.array(op, 200, [other], lambda record: {**instances.public(record), "_secret": 1}) is None
