"""The web console's page and its control calls over plain HTTP: tenants, resources by page, the journal stream."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import httpx
from starlette.testclient import TestClient

from tests.conftest import LiveServer, tenant_credentials
from tests.packs.bluelobster.conftest import LAUNCH

RESOURCES = "/_twinstack/console/api/resources"
LAUNCH_PATH = "/bluelobster/api/v1/instances/launch-instance"


def _launch(http: Any, api_key: str) -> str:
    response = http.post(LAUNCH_PATH, headers={"X-API-Key": api_key}, json=LAUNCH)
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["instance_ids"][0])


def test_the_page_and_its_files_are_served_by_the_twin_with_nothing_from_outside(client: TestClient) -> None:
    page = client.get("/_twinstack/console")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    referenced = re.findall(r'(?:src|href)="([^"#]+)"', page.text)
    assert referenced and all(ref.startswith("/_twinstack/console/static/") for ref in referenced), referenced
    for ref in referenced:
        asset = client.get(ref)
        assert asset.status_code == 200 and asset.text.strip(), ref
        assert "http://" not in asset.text and "https://" not in asset.text, ref
    assert client.get("/_twinstack/console/static/console.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/_twinstack/console/static/secrets.txt").status_code == 404


def test_tenants_are_listed_with_their_credentials(client: TestClient) -> None:
    made = tenant_credentials(client)
    listed = client.get("/_twinstack/console/api/tenants").json()
    assert listed["total"] == 2  # the default tenant and this one
    [mine] = [t for t in listed["tenants"] if t["id"] == made["id"]]
    assert mine["name"] == "test" and mine["credentials"] == made["credentials"]


def test_a_tenants_resources_are_listed_per_collection_by_page_and_linked_to_their_json(client: TestClient) -> None:
    tenant = tenant_credentials(client)
    key = tenant["credentials"]["bluelobster"]["api_key"]
    first, second = _launch(client, key), _launch(client, key)
    where = {"tenant": tenant["id"], "service": "bluelobster"}
    collections = client.get(RESOURCES, params=where).json()["collections"]
    assert {"name": "instances", "count": 2} in collections

    page = client.get(RESOURCES, params={**where, "collection": "instances", "limit": 1}).json()
    assert page["count"] == 2 and page["next_offset"] == 1 and len(page["items"]) == 1
    rest = client.get(RESOURCES, params={**where, "collection": "instances", "offset": 1, "limit": 1}).json()
    assert rest["next_offset"] is None
    items = page["items"] + rest["items"]
    assert {i["key"] for i in items} == {first, second}
    for item in items:
        by_key = client.get(RESOURCES, params={**where, "collection": "instances", "id": item["key"]})
        by_position = client.get(RESOURCES, params={**where, "collection": "instances", "position": item["position"]})
        assert by_key.json() == by_position.json() == item["data"]
        api_view = client.get(f"/bluelobster/api/v1/instances/{item['key']}", headers={"X-API-Key": key}).json()
        assert api_view["uuid"] == item["key"] == item["data"]["uuid"]
    missing = client.get(RESOURCES, params={**where, "collection": "instances", "id": "no-such-instance"})
    assert missing.status_code == 404 and missing.json()["field"] == "id"

    other = tenant_credentials(client)
    assert client.get(RESOURCES, params={**where, "tenant": other["id"]}).json()["collections"] == []


def test_resource_queries_with_bad_parameters_are_refused_naming_the_parameter(client: TestClient) -> None:
    tenant = tenant_credentials(client)["id"]
    cases = [
        ({"tenant": tenant, "service": "nope"}, 400, "service"),
        ({"service": "bluelobster"}, 400, "tenant"),
        ({"tenant": "nobody", "service": "bluelobster"}, 404, "tenant"),
        ({"tenant": tenant, "service": "bluelobster", "collection": "instances", "limit": "0"}, 400, "limit"),
        ({"tenant": tenant, "service": "bluelobster", "collection": "instances", "limit": "201"}, 400, "limit"),
        ({"tenant": tenant, "service": "bluelobster", "collection": "instances", "offset": "x"}, 400, "offset"),
        ({"tenant": tenant, "service": "bluelobster", "collection": "instances", "position": "-1"}, 400, "position"),
    ]
    for params, status, field in cases:
        response = client.get(RESOURCES, params=params)
        assert (response.status_code, response.json().get("field")) == (status, field), params


def test_the_journal_stream_ends_on_its_own_and_refuses_a_bad_duration(client: TestClient) -> None:
    ended = client.get("/_twinstack/console/api/requests/stream", params={"seconds": "0.5"})
    assert ended.status_code == 200 and ended.headers["content-type"].startswith("text/event-stream")
    assert ended.text.index("event: ready") < ended.text.index("event: end")
    for bad in ("0", "301", "soon", "nan"):
        refused = client.get("/_twinstack/console/api/requests/stream", params={"seconds": bad})
        assert refused.status_code == 400 and refused.json()["field"] == "seconds", bad
    for bad in ("later", "inf"):
        refused = client.get("/_twinstack/console/api/requests/stream", params={"seconds": "1", "after": bad})
        assert refused.status_code == 400 and refused.json()["field"] == "after", bad


def test_the_journal_stream_reports_each_request_as_it_is_answered(live_server: LiveServer) -> None:
    with live_server.http() as http:
        key = tenant_credentials(http)["credentials"]["bluelobster"]["api_key"]
    events: list[tuple[str, str]] = []
    ready = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", live_server.url + "/_twinstack/console/api/requests/stream",
                          params={"seconds": "15"}, timeout=30) as stream:
            kind = ""
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    events.append((kind, line[6:]))
                    if kind == "ready":
                        ready.set()
                    if kind == "request" and "no-such-instance" in line:
                        return

    listener = threading.Thread(target=listen)
    listener.start()
    assert ready.wait(15)
    with live_server.http() as http:
        instance = _launch(http, key)
        assert http.get("/bluelobster/api/v1/instances/no-such-instance", headers={"X-API-Key": key}).status_code == 404
    listener.join(30)
    assert not listener.is_alive()
    paths = [data for kind, data in events if kind == "request"]
    assert len(paths) == 2, events
    assert '"path":"/bluelobster/api/v1/instances/launch-instance"' in paths[0] and '"status":200' in paths[0]
    assert '"status":404' in paths[1] and instance not in paths[1]

    # A reconnect naming the first event's cursor gets what came after it, and only that.
    cursor = json.loads(paths[0])["cursor"]
    replay = httpx.get(live_server.url + "/_twinstack/console/api/requests/stream",
                       params={"seconds": "0.5", "after": cursor}, timeout=30).text
    replayed = [json.loads(line[6:]) for line in replay.splitlines()
                if line.startswith("data: ") and '"path"' in line]
    assert [(e["path"], e["status"]) for e in replayed] == [("/bluelobster/api/v1/instances/no-such-instance", 404)]


def test_off_loopback_the_page_loads_but_its_calls_need_the_control_token(make_client: Any) -> None:
    client = make_client(host="0.0.0.0", control_token="console-secret")
    assert client.get("/_twinstack/console").status_code == 200
    assert client.get("/_twinstack/console/static/console.js").status_code == 200
    assert client.get("/_twinstack/console/api/tenants").status_code == 401
    allowed = client.get("/_twinstack/console/api/tenants", headers={"Authorization": "Bearer console-secret"})
    assert allowed.status_code == 200 and allowed.json()["total"] == 1
