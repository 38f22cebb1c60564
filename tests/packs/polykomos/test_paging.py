"""Lists page in the store: many items, pages of a chosen size, newest first, nothing repeated or left out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Receive, Tenant, new_tenant
from tests.packs.polykomos.test_blueprints import create_blueprint
from tests.packs.polykomos.test_webhooks import subscribe
from tests.store.pg import scratch_database

SYSTEM_SLUGS = ["seed-contacts", "agent-memory"]


def walk(client: Any, tenant: Tenant, path: str, limit: int, key: str = "uuid") -> list[list[dict[str, Any]]]:
    """Every page of a list, following ``starting_after`` from the last item of each page until ``has_more`` ends."""
    pages: list[list[dict[str, Any]]] = []
    after = ""
    while True:
        response = client.get(f"{API}/{path}?limit={limit}{after}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["data"])
        if not body["has_more"]:
            return pages
        assert len(body["data"]) == limit, "a page followed by more is full"
        after = f"&starting_after={body['data'][-1][key]}"


def page_of(client: Any, tenant: Tenant, path: str, query: str) -> dict[str, Any]:
    response = client.get(f"{API}/{path}?{query}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def pg_state() -> Iterator[str]:
    with scratch_database("twinstack_polykomos_paging") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def on_state(request: pytest.FixtureRequest, make_client: Callable[..., TestClient]) -> Callable[..., TestClient]:
    """Factory: an in-process twin with the given settings, its state in SQLite or in PostgreSQL.

    The PostgreSQL state is shared by the module's tests; each test keeps to tenants of its own.
    """
    url = request.getfixturevalue("pg_state") if request.param == "postgres" else None

    def make(**settings: Any) -> TestClient:
        return make_client(database_url=url, **settings)

    return make


@pytest.fixture
def state_client(on_state: Callable[..., TestClient]) -> TestClient:
    return on_state()


@pytest.fixture
def state_tenant(state_client: TestClient) -> Tenant:
    return new_tenant(state_client)


@pytest.fixture
def provisioning_client(on_state: Callable[..., TestClient], database_servers: dict[str, str]) -> TestClient:
    """Servers configured, realistic speed: a created database stays ``provisioning`` (nothing is made on a server)."""
    return on_state(speed="realistic", postgres_admin_url=database_servers["postgres"],
                    mysql_admin_url=database_servers["mysql"])


def create_databases(client: TestClient, tenant: Tenant, count: int) -> list[str]:
    made = []
    for n in range(count):
        response = client.post(f"{API}/databases", headers=tenant.idempotent(), json={"name": f"many-{n}"})
        assert response.status_code == 202, response.text
        made.append(response.json()["data"]["uuid"])
    return made


def test_120_databases_come_back_in_pages_of_50_newest_first(provisioning_client: TestClient) -> None:
    client = provisioning_client
    tenant, other = new_tenant(client), new_tenant(client)
    made = create_databases(client, tenant, 120)
    theirs = create_databases(client, other, 3)

    pages = walk(client, tenant, "databases", 50)
    assert [len(p) for p in pages] == [50, 50, 20]
    listed = [d["uuid"] for p in pages for d in p]
    assert listed == made[::-1]
    assert {d["status"] for p in pages for d in p} == {"provisioning"}
    assert [len(p) for p in walk(client, tenant, "databases", 25)] == [25, 25, 25, 25, 20]
    assert len(page_of(client, tenant, "databases", "")["data"]) == 25

    deleted = made[60]
    assert client.delete(f"{API}/databases/{deleted}", headers=tenant.idempotent()).status_code == 200
    after_delete = [d["uuid"] for p in walk(client, tenant, "databases", 50) for d in p]
    assert after_delete == [u for u in made[::-1] if u != deleted]
    for not_listed in (deleted, theirs[0], "nope"):
        body = page_of(client, tenant, "databases", f"starting_after={not_listed}")
        assert (body["data"], body["has_more"]) == ([], False)
    assert [d["uuid"] for p in walk(client, other, "databases", 2) for d in p] == theirs[::-1]


def test_blueprints_page_through_the_tenants_own_then_the_system_ones(state_client: TestClient, state_tenant: Tenant) -> None:
    client, tenant = state_client, state_tenant
    made = [create_blueprint(client, tenant, f"bp {n}", "SELECT 1;")["uuid"] for n in range(60)]

    pages = walk(client, tenant, "blueprints", 25)
    assert [len(p) for p in pages] == [25, 25, 12]
    assert [b["uuid"] for p in pages for b in p][:60] == made[::-1]
    assert [b["slug"] for b in pages[-1][-2:]] == SYSTEM_SLUGS

    exact = walk(client, tenant, "blueprints", 30)
    assert [len(p) for p in exact] == [30, 30, 2], "the page that ends the tenant's own says the system ones follow"
    assert [b["slug"] for b in exact[-1]] == SYSTEM_SLUGS
    first_system = exact[-1][0]["uuid"]
    assert [b["slug"] for b in page_of(client, tenant, "blueprints", f"starting_after={first_system}")["data"]] == [
        SYSTEM_SLUGS[1]]
    other = new_tenant(client)
    assert [b["slug"] for b in page_of(client, other, "blueprints", "limit=100")["data"]] == SYSTEM_SLUGS
    assert page_of(client, other, "blueprints", f"starting_after={made[0]}")["data"] == []


def test_slugs_stay_unique_past_one_look_up_of_candidates(state_client: TestClient, state_tenant: Tenant) -> None:
    client, tenant = state_client, state_tenant
    slugs = [create_blueprint(client, tenant, "Same Name", "SELECT 1;")["slug"] for _ in range(53)]
    assert slugs == ["same-name", *(f"same-name-{n}" for n in range(2, 54))]

    by_slug = {b["slug"]: b["uuid"] for p in walk(client, tenant, "blueprints", 100) for b in p}
    assert client.delete(f"{API}/blueprints/{by_slug['same-name-3']}", headers=tenant.headers).status_code == 200
    assert create_blueprint(client, tenant, "same name", "SELECT 1;")["slug"] == "same-name-3"
    renamed = client.patch(f"{API}/blueprints/{by_slug['same-name-7']}", headers=tenant.headers, json={"name": "SAME name"})
    assert renamed.json()["data"]["slug"] == "same-name-7", "its own slug is not taken from itself"
    moved = client.patch(f"{API}/blueprints/{by_slug['same-name']}", headers=tenant.headers, json={"name": "Same-Name!"})
    assert moved.json()["data"]["slug"] == "same-name"
    other = client.patch(f"{API}/blueprints/{by_slug['same-name-2']}", headers=tenant.headers, json={"name": "Other"})
    assert other.json()["data"]["slug"] == "other"
    assert create_blueprint(client, tenant, "Same Name", "SELECT 1;")["slug"] == "same-name-2"
    assert create_blueprint(client, tenant, "Same Name", "SELECT 1;")["slug"] == "same-name-54"
    assert create_blueprint(client, new_tenant(client), "Same Name", "SELECT 1;")["slug"] == "same-name"


def test_endpoints_page_newest_first_without_the_revoked_ones(state_client: TestClient, state_tenant: Tenant) -> None:
    client, tenant = state_client, state_tenant
    made = [subscribe(client, tenant, f"http://127.0.0.1:9/{n}")["data"]["id"] for n in range(60)]
    revoked = made[::3]
    for endpoint_id in revoked:
        response = client.delete(f"{API}/webhook_endpoints/{endpoint_id}", headers=tenant.idempotent())
        assert response.status_code == 200, response.text

    pages = walk(client, tenant, "webhook_endpoints", 25, key="id")
    assert [len(p) for p in pages] == [25, 15]
    assert [e["id"] for p in pages for e in p] == [i for i in made[::-1] if i not in revoked]
    assert page_of(client, tenant, "webhook_endpoints", f"starting_after={revoked[5]}")["data"] == []
    assert page_of(client, new_tenant(client), "webhook_endpoints", f"starting_after={made[1]}")["data"] == []


def test_one_endpoints_deliveries_page_newest_first_apart_from_another_endpoints(
    client: TestClient, tenant: Tenant, receive: Receive
) -> None:
    receiver = receive()
    mine, theirs = (subscribe(client, tenant, receiver.url)["data"]["id"] for _ in range(2))
    sent: dict[int, list[int]] = {mine: [], theirs: []}
    for _ in range(30):
        for endpoint_id in (mine, theirs):
            response = client.post(f"{API}/webhook_endpoints/{endpoint_id}/test_deliveries", headers=tenant.headers)
            assert response.status_code == 200, response.text
            sent[endpoint_id].append(response.json()["data"]["id"])

    pages = walk(client, tenant, f"webhook_endpoints/{mine}/deliveries", 12, key="id")
    assert [len(p) for p in pages] == [12, 12, 6]
    assert [d["id"] for p in pages for d in p] == sent[mine][::-1]
    assert {d["endpoint_id"] for p in pages for d in p} == {mine}
    assert page_of(client, tenant, f"webhook_endpoints/{mine}/deliveries", f"starting_after={sent[theirs][5]}")[
        "data"] == []
