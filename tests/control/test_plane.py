"""The control plane under /_twinstack/, as outside test suites use it."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from twinstack.outbox import send

SERVICES = {"bluelobster", "g4fagent", "odin", "polykomos", "wayscloud"}
CREDENTIAL_NAMES = {
    "wayscloud": {"api_key", "pat"},
    "polykomos": {"api_key"},
    "odin": {"api_key", "email", "password"},
    "bluelobster": {"api_key"},
    "g4fagent": {"email", "password"},
}


def test_health_names_services_and_endpoints(client: TestClient) -> None:
    body = client.get("/_twinstack/health").json()
    assert body["status"] == "ok"
    assert body["services"] == {slug: "ready" for slug in SERVICES}
    assert body["endpoints"]["http"].startswith("http://")
    # S3 answers on the HTTP port itself; DNS and MQTT are switched off in the test settings.
    assert set(body["endpoints"]) == {"http", "s3"}
    assert body["endpoints"]["s3"] == body["endpoints"]["http"] + "/wayscloud-s3"
    assert isinstance(body["version"], str)


def test_new_tenant_gets_credentials_for_every_service(client: TestClient) -> None:
    created = tenant_credentials(client)
    assert set(created["credentials"]) == SERVICES
    for slug, names in CREDENTIAL_NAMES.items():
        assert names <= set(created["credentials"][slug]), slug
    again = client.get(f"/_twinstack/tenants/{created['id']}")
    assert again.status_code == 200 and again.json()["credentials"] == created["credentials"]
    other = tenant_credentials(client)
    assert other["credentials"]["bluelobster"]["api_key"] != created["credentials"]["bluelobster"]["api_key"]


def test_unknown_tenant_is_404_and_bad_body_is_400(client: TestClient) -> None:
    assert client.get("/_twinstack/tenants/nope").status_code == 404
    bad = client.post("/_twinstack/tenants", content=b"[1]", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["field"] == "body"
    assert client.post("/_twinstack/tenants", json={"name": 5}).json()["field"] == "name"


def test_reset_wipes_tenants_but_keeps_the_default_credentials(client: TestClient) -> None:
    before = client.get("/_twinstack/tenants/default").json()
    created = tenant_credentials(client)
    assert client.post("/_twinstack/reset").json() == {"status": "ok"}
    assert client.get(f"/_twinstack/tenants/{created['id']}").status_code == 404
    assert client.get("/_twinstack/tenants/default").json() == before


def test_credentials_from_the_control_plane_work(client: TestClient) -> None:
    key = tenant_credentials(client)["credentials"]["bluelobster"]["api_key"]
    assert client.get("/bluelobster/api/v1/instances", headers={"X-API-Key": key}).status_code == 200


def test_outbox_filters_newest_first_and_pages(client: TestClient) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    for i in range(3):
        send(runtime.store, runtime.clock, service="wayscloud", tenant="default", channel="sms",
             recipient="+4790000000", body=f"code {i}")
    send(runtime.store, runtime.clock, service="odin", tenant="default", channel="email", recipient="a@b.c", body="hi")
    everything = client.get("/_twinstack/outbox").json()
    assert [m["body"] for m in everything["messages"]] == ["hi", "code 2", "code 1", "code 0"]
    assert everything["next_cursor"] is None
    sms = client.get("/_twinstack/outbox", params={"channel": "sms", "limit": 2}).json()
    assert [m["body"] for m in sms["messages"]] == ["code 2", "code 1"]
    rest = client.get("/_twinstack/outbox", params={"channel": "sms", "limit": 2, "cursor": sms["next_cursor"]}).json()
    assert [m["body"] for m in rest["messages"]] == ["code 0"]
    first = sms["messages"][0]
    assert set(first) >= {"id", "service", "tenant", "channel", "sender", "recipient", "subject", "body", "created_at", "metadata"}
    assert client.get("/_twinstack/outbox", params={"recipient": "a@b.c"}).json()["messages"][0]["service"] == "odin"
    assert client.get("/_twinstack/outbox", params={"limit": "x"}).status_code == 400


def test_request_journal_records_service_calls(client: TestClient) -> None:
    client.get("/bluelobster/api/v1/instances")
    entries = client.get("/_twinstack/requests").json()["requests"]
    last = entries[0]
    assert last["method"] == "GET" and last["path"] == "/bluelobster/api/v1/instances"
    assert last["status"] == 401 and last["service"] == "bluelobster"
    assert last["operation"] == "list_instances_api_v1_instances_get"
    assert last["duration_ms"] >= 0 and last["at"].endswith("Z")


def test_clock_advance_moves_twin_time(client: TestClient) -> None:
    first = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    later = client.post("/_twinstack/clock/advance", json={"seconds": 86400}).json()["now"]
    assert later[:10] > first[:10]
    bad = client.post("/_twinstack/clock/advance", json={"seconds": "soon"})
    assert bad.status_code == 400 and bad.json()["field"] == "seconds"


def test_unknown_service_control_is_404(client: TestClient) -> None:
    assert client.post("/_twinstack/bluelobster/no-such-control", json={}).status_code == 404


def test_unknown_slug_is_json_404(client: TestClient) -> None:
    response = client.get("/nosuchservice/anything")
    assert response.status_code == 404 and response.headers["content-type"] == "application/json"
