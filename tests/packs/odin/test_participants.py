"""ODIN participants through HTTP: create-or-find is idempotent, updates are events, isolation holds."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant


def _base(tenant: Tenant) -> str:
    return f"{API}/projects/{tenant.project_id}/participants"


def _events(client: TestClient, tenant: Tenant, kind: str) -> list[dict[str, Any]]:
    from tests.packs.odin.test_events import project_events
    return [e for e in project_events(client, tenant) if e["type"] == kind]


def test_create_or_find_gives_the_same_participant_back(client: TestClient, tenant: Tenant) -> None:
    first = client.post(_base(tenant), headers=tenant.key_headers, json={"externalUserId": "odin-user-1", "displayName": "Ann"})
    again = client.post(_base(tenant), headers=tenant.key_headers, json={"externalUserId": "odin-user-1", "displayName": "Other"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    body = first.json()
    assert body["projectId"] == tenant.project_id and body["tenantId"] == tenant.id and body["displayName"] == "Ann"
    listed = client.get(_base(tenant), headers=tenant.key_headers).json()
    assert listed["total"] == 1 and [p["id"] for p in listed["participants"]] == [body["id"]]
    assert len(_events(client, tenant, "participant.created")) == 1


def test_update_search_and_delete(client: TestClient, tenant: Tenant) -> None:
    made = client.post(_base(tenant), headers=tenant.key_headers, json={"externalUserId": "u-42"}).json()
    assert made["displayName"] == "u-42"
    client.post(_base(tenant), headers=tenant.key_headers, json={"externalUserId": "u-43", "displayName": "Bob"})
    patched = client.patch(f"{_base(tenant)}/{made['id']}", headers=tenant.key_headers,
                           json={"displayName": "Carla", "userData": {"level": 3}})
    assert patched.status_code == 200 and patched.json()["displayName"] == "Carla"
    updated = _events(client, tenant, "participant.updated")
    assert updated[0]["payload"]["changes"] == {"displayName": "u-42", "userData": {}}
    found = client.get(_base(tenant), headers=tenant.key_headers, params={"search": "carl"}).json()
    assert found["total"] == 1 and found["participants"][0]["id"] == made["id"]
    paged = client.get(_base(tenant), headers=tenant.key_headers, params={"limit": "1", "offset": "1"}).json()
    assert paged["total"] == 2 and len(paged["participants"]) == 1
    assert client.delete(f"{_base(tenant)}/{made['id']}", headers=tenant.key_headers).status_code == 204
    assert client.get(f"{_base(tenant)}/{made['id']}", headers=tenant.key_headers).status_code == 404
    # The user id is free again: a new participant, not the deleted one.
    again = client.post(_base(tenant), headers=tenant.key_headers, json={"externalUserId": "u-42"}).json()
    assert again["id"] != made["id"]


def test_bad_input_names_the_field(client: TestClient, tenant: Tenant) -> None:
    missing = client.post(_base(tenant), headers=tenant.key_headers, json={"displayName": "x"})
    assert missing.status_code == 400 and any("externalUserId" in m for m in missing.json()["message"])
    empty = client.post(_base(tenant), headers=tenant.key_headers, json={"externalUserId": " "})
    assert empty.status_code == 400 and empty.json()["message"] == ["externalUserId should not be empty"]
    bad_limit = client.get(_base(tenant), headers=tenant.key_headers, params={"limit": "1.5"})
    assert bad_limit.status_code == 400 and "limit" in bad_limit.json()["message"][0]
    assert client.get(f"{_base(tenant)}/not-a-uuid", headers=tenant.key_headers).status_code == 404


def test_tenants_do_not_see_each_other(client: TestClient, tenant: Tenant) -> None:
    made = client.post(_base(tenant), headers=tenant.key_headers, json={"externalUserId": "shared-id"}).json()
    other = tenant_credentials(client)["credentials"]["odin"]["api_key"]
    headers = {"X-API-Key": other}
    assert client.get(_base(tenant), headers=headers).status_code == 403
    other_project = client.get(f"{API}/projects", headers=headers).json()[0]["id"]
    assert client.get(f"{API}/projects/{other_project}/participants/{made['id']}", headers=headers).status_code == 404
    theirs = client.post(f"{API}/projects/{other_project}/participants", headers=headers, json={"externalUserId": "shared-id"})
    assert theirs.status_code == 201 and theirs.json()["id"] != made["id"]
