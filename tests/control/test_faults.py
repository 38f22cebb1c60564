"""Faults and latency on demand, through a real ``twinstack serve`` and the official WAYSCloud SDK.

The SDK (``wayscloud==0.5.0``) retries 429/502/503/504 up to three attempts in all, waiting at least
its backoff and at least the ``Retry-After`` the answer carries, then raises ``RateLimitError`` for a
429. So a fault armed for one call is absorbed by the SDK's retry (the call succeeds, a second later),
and one armed for three calls reaches the caller as the SDK's rate-limit error.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from wayscloud import WaysCloudClient
from wayscloud.exceptions import RateLimitError

from tests.conftest import LiveServer, served

VPS = {"plan": "vps-2gb-1cpu", "region": "oslo", "os_template": "ubuntu-22.04"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from served(tmp_path_factory, "faults", "--speed", "instant", "--strict", "--services", "wayscloud")


@pytest.fixture
def twin(server: LiveServer) -> Iterator[httpx.Client]:
    server.reset()
    with server.http() as http:
        yield http


def tenant_key(twin: httpx.Client) -> str:
    created = twin.post("/_twinstack/tenants", json={"name": "faults"})
    assert created.status_code == 201
    return str(created.json()["credentials"]["wayscloud"]["api_key"])


def sdk(server: LiveServer, key: str) -> WaysCloudClient:
    return WaysCloudClient(api_key=key, base_url=f"{server.url}/wayscloud")


def arm(twin: httpx.Client, **fault: Any) -> dict[str, Any]:
    answer = twin.post("/_twinstack/faults", json={"service": "wayscloud", **fault})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_429_armed_for_one_call_is_absorbed_by_the_sdk_retry_after_its_retry_after(
    server: LiveServer, twin: httpx.Client
) -> None:
    client = sdk(server, tenant_key(twin))
    vps = client.vps.create(hostname="web01.example.com", **VPS)
    fault = arm(twin, operation="createVpsSnapshot", status=429, count=1)

    started = time.monotonic()
    snapshot = client.vps.create_snapshot(vps["id"], "before_upgrade")
    waited = time.monotonic() - started

    assert snapshot  # the retry reached the real handler
    assert waited >= 1.0  # the SDK slept the fault's Retry-After (1 s) before retrying
    listed = twin.get("/_twinstack/faults").json()["faults"]
    assert [(f["id"], f["hits"], f["remaining"]) for f in listed] == [(fault["id"], 1, 0)]
    journal = twin.get("/_twinstack/requests").json()["requests"]
    calls = [e for e in journal if e["operation"] == "createVpsSnapshot"]
    assert [(e["status"], e.get("fault")) for e in reversed(calls)] == [(429, fault["id"]), (201, None)]


def test_a_429_outlasting_the_sdk_retries_is_its_rate_limit_error(server: LiveServer, twin: httpx.Client) -> None:
    client = sdk(server, tenant_key(twin))
    vps = client.vps.create(hostname="web02.example.com", **VPS)
    arm(twin, operation="POST /v1/vps/{vps_id}/snapshots", status=429, count=3, retry_after=0)

    with pytest.raises(RateLimitError) as raised:
        client.vps.create_snapshot(vps["id"], "nightly")

    assert raised.value.status_code == 429
    assert client.vps.snapshots(vps["id"]) == []  # nothing was created by the refused calls
    assert twin.get("/_twinstack/faults").json()["faults"][0]["hits"] == 3


def test_the_fault_is_rendered_in_the_apis_own_error_shape(server: LiveServer, twin: httpx.Client) -> None:
    key = tenant_key(twin)
    arm(twin, operation="createVpsSnapshot", status=429, retry_after=7)
    answer = twin.post("/wayscloud/v1/vps/any/snapshots", json={"snapshot_name": "abc"}, headers={"X-API-Key": key})
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "7"
    assert answer.headers["content-type"].startswith("application/json")
    assert set(answer.json()) == {"detail"}  # WAYSCloud's FastAPI error shape


def test_latency_shows_in_the_measured_time_and_a_cleared_fault_is_gone(server: LiveServer, twin: httpx.Client) -> None:
    client = sdk(server, tenant_key(twin))
    fault = arm(twin, operation="listVps", latency_ms={"min": 600, "max": 700})

    started = time.monotonic()
    assert client.vps.list() == []
    assert time.monotonic() - started >= 0.6

    cleared = twin.delete(f"/_twinstack/faults/{fault['id']}")
    assert cleared.status_code == 200 and cleared.json() == {"cleared": 1}
    assert twin.get("/_twinstack/faults").json() == {"faults": []}
    assert twin.delete(f"/_twinstack/faults/{fault['id']}").status_code == 404
    started = time.monotonic()
    assert client.vps.list() == []
    assert time.monotonic() - started < 0.6


def test_a_status_the_operation_does_not_declare_is_refused_naming_status(twin: httpx.Client) -> None:
    answer = twin.post("/_twinstack/faults", json={"service": "wayscloud", "operation": "listVps", "status": 503})
    assert answer.status_code == 400
    assert answer.json()["field"] == "status"
    assert "listVps declares no 503" in answer.json()["message"]
    for body, field in (({"operation": "noSuchOperation", "status": 401}, "operation"),
                        ({"operation": "listVps", "latency_ms": -5}, "latency_ms"),
                        ({"operation": "listVps", "latency_ms": 10, "probability": 2}, "probability"),
                        ({"operation": "listVps", "latency_ms": 10, "count": 0}, "count"),
                        ({"operation": "listVps", "latency_ms": 10, "tenant": "nobody"}, "tenant")):
        refused = twin.post("/_twinstack/faults", json={"service": "wayscloud", **body})
        assert (refused.status_code, refused.json().get("field")) == (400, field)
    assert twin.get("/_twinstack/faults").json() == {"faults": []}


def test_drop_closes_the_connection_without_an_answer(server: LiveServer, twin: httpx.Client) -> None:
    key = tenant_key(twin)
    fault = arm(twin, operation="listVps", drop=True, count=1)
    with httpx.Client(base_url=server.url, timeout=10) as fresh:
        with pytest.raises(httpx.RemoteProtocolError):
            fresh.get("/wayscloud/v1/vps", headers={"X-API-Key": key})
        assert fresh.get("/wayscloud/v1/vps", headers={"X-API-Key": key}).status_code == 200
    journal = twin.get("/_twinstack/requests").json()["requests"]
    assert [e for e in journal if e.get("fault") == fault["id"]][0]["dropped"] is True


def test_a_fault_for_one_tenant_leaves_the_others_alone(twin: httpx.Client) -> None:
    mine, theirs = twin.post("/_twinstack/tenants").json(), twin.post("/_twinstack/tenants").json()
    arm(twin, operation="listVps", status=401, tenant=mine["id"])
    for tenant, status in ((mine, 401), (theirs, 200)):
        key = tenant["credentials"]["wayscloud"]["api_key"]
        assert twin.get("/wayscloud/v1/vps", headers={"X-API-Key": key}).status_code == status
    assert twin.delete("/_twinstack/faults").json() == {"cleared": 1}
    key = mine["credentials"]["wayscloud"]["api_key"]
    assert twin.get("/wayscloud/v1/vps", headers={"X-API-Key": key}).status_code == 200


def test_one_request_arms_its_own_fault_by_header(twin: httpx.Client) -> None:
    key = tenant_key(twin)
    answer = twin.post("/wayscloud/v1/vps/any/snapshots", json={"snapshot_name": "abc"},
                       headers={"X-API-Key": key, "X-Twinstack-Fault": "status=429; retry_after=3"})
    assert (answer.status_code, answer.headers["retry-after"]) == (429, "3")
    started = time.monotonic()
    slow = twin.get("/wayscloud/v1/vps", headers={"X-API-Key": key, "X-Twinstack-Fault": "latency_ms=500"})
    assert slow.status_code == 200 and time.monotonic() - started >= 0.5
    # Never an undeclared status: the header is not applied, and the answer says why.
    ignored = twin.get("/wayscloud/v1/vps", headers={"X-API-Key": key, "X-Twinstack-Fault": "status=503"})
    assert ignored.status_code == 200
    assert "declares no 503" in ignored.headers["x-twinstack-fault-ignored"]


def test_a_request_with_nothing_armed_never_reads_the_armed_faults(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from twinstack.app import create_app
    from twinstack.config import Settings
    from twinstack.control import faults

    app = create_app(Settings(data_dir=tmp_path / "state", services=["wayscloud"], speed="instant", dns_port=0,
                              mqtt_url="none"))
    with TestClient(app) as client:
        store = app.state.runtime.store
        key = client.post("/_twinstack/tenants").json()["credentials"]["wayscloud"]["api_key"]
        reads: list[str] = []
        original = store.kv_get

        def counting(namespace: str, k: str) -> Any:
            if namespace in (faults.KV_NAMESPACE, faults.HITS_NAMESPACE):
                reads.append(k)
            return original(namespace, k)

        store.kv_get = counting
        for _ in range(50):
            assert client.get("/wayscloud/v1/vps", headers={"X-API-Key": key}).status_code == 200
        assert reads == []
        arm_answer = client.post("/_twinstack/faults", json={"service": "wayscloud", "operation": "listVps",
                                                              "status": 401, "count": 1})
        assert arm_answer.status_code == 201
        assert client.get("/wayscloud/v1/vps", headers={"X-API-Key": key}).status_code == 401
        assert reads  # once armed, the process picked it up at once


def test_probability_zero_never_applies_and_one_always_does(twin: httpx.Client) -> None:
    key = tenant_key(twin)
    never = arm(twin, operation="listVps", status=401, probability=0)
    for _ in range(5):
        assert twin.get("/wayscloud/v1/vps", headers={"X-API-Key": key}).status_code == 200
    assert twin.delete(f"/_twinstack/faults/{never['id']}").status_code == 200
    arm(twin, operation="listVps", status=401, probability=1)
    for _ in range(5):
        assert twin.get("/wayscloud/v1/vps", headers={"X-API-Key": key}).status_code == 401
    assert twin.get("/_twinstack/faults").json()["faults"][0]["hits"] == 5


DEFAULT_DOC = """
openapi: 3.0.3
info: {title: Widgets, version: "1"}
paths:
  /widgets:
    get:
      operationId: listWidgets
      responses:
        "200":
          description: Widgets
          content: {application/json: {schema: {type: array, items: {type: object}}}}
        default:
          description: Any error
          content:
            application/json:
              schema: {type: object, properties: {message: {type: string}}}
"""


def test_an_operation_with_a_default_response_takes_any_error_status(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from twinstack.app import create_app
    from twinstack.config import Settings

    (tmp_path / "widgets.yaml").write_text(DEFAULT_DOC)
    app = create_app(Settings(data_dir=tmp_path / "state", services=[], specs=[f"{tmp_path / 'widgets.yaml'}:widgets"],
                              speed="instant", dns_port=0, mqtt_url="none", strict=True))
    with TestClient(app) as client:
        armed = client.post("/_twinstack/faults", json={"service": "widgets", "operation": "GET /widgets", "status": 503})
        assert armed.status_code == 201, armed.text
        answer = client.get("/widgets/widgets")
        assert (answer.status_code, answer.headers["retry-after"]) == (503, "1")
        refused = client.post("/_twinstack/faults", json={"service": "widgets", "operation": "listWidgets", "status": 302})
        assert (refused.status_code, refused.json()["field"]) == (400, "status")
