"""Projects through the API's own envelopes: create, read, list, patch, delete; and the audit trail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error
from twinstack.packs.g4fagent import records


def _create(client: TestClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/projects", headers=tenant.headers, json={"name": "Demo", **fields})
    assert response.status_code == 200, response.text
    project: dict[str, Any] = response.json()["project"]
    return project


def test_create_returns_the_project_in_its_envelope(client: TestClient, tenant: Tenant) -> None:
    project = _create(client, tenant, description="a demo", repo={"url": "file:///tmp/x"})
    assert re.fullmatch(r"proj_[0-9a-f]{16}", project["id"])
    assert project["name"] == "Demo" and project["description"] == "a demo"
    assert project["status"] == "active" and project["environment"] == "dev"
    assert project["last_commit"] == "" and project["repo"] == {"url": "file:///tmp/x"}
    assert project["stats"] == {"sessions": 0, "runs_24h": 0}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", project["created_at"])
    assert project["updated_at"] == project["created_at"]


def test_read_back_what_was_created(client: TestClient, tenant: Tenant) -> None:
    project = _create(client, tenant)
    response = client.get(f"{API}/projects/{project['id']}", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == {"project": project}


def test_list_pages_with_limit_and_cursor(client: TestClient, tenant: Tenant) -> None:
    ids = [_create(client, tenant, name=f"p{i}")["id"] for i in range(3)]
    first = client.get(f"{API}/projects?limit=2", headers=tenant.headers).json()
    assert [p["id"] for p in first["items"]] == ids[:2] and first["next_cursor"] == "2"
    rest = client.get(f"{API}/projects?limit=2&cursor=2", headers=tenant.headers).json()
    assert [p["id"] for p in rest["items"]] == ids[2:] and rest["next_cursor"] is None


def test_list_filters_by_status_environment_and_q(client: TestClient, tenant: Tenant) -> None:
    _create(client, tenant, name="Alpha Service", environment="prod")
    _create(client, tenant, name="beta", status="archived")
    by_q = client.get(f"{API}/projects?q=ALPHA", headers=tenant.headers).json()["items"]
    assert [p["name"] for p in by_q] == ["Alpha Service"]
    by_env = client.get(f"{API}/projects?environment=PROD", headers=tenant.headers).json()["items"]
    assert [p["name"] for p in by_env] == ["Alpha Service"]
    by_status = client.get(f"{API}/projects?status=archived", headers=tenant.headers).json()["items"]
    assert [p["name"] for p in by_status] == ["beta"]


def test_a_filtered_list_pages_over_the_matches_only(client: TestClient, tenant: Tenant) -> None:
    archived = [_create(client, tenant, name=f"a{i}", status="Archived" if i % 2 else "archived")["id"] for i in range(3)]
    for i in range(3):
        _create(client, tenant, name=f"live{i}")
    first = client.get(f"{API}/projects?status=ARCHIVED&limit=2", headers=tenant.headers).json()
    assert [p["id"] for p in first["items"]] == archived[:2] and first["next_cursor"] == "2"
    rest = client.get(f"{API}/projects?status=archived&limit=2&cursor=2", headers=tenant.headers).json()
    assert [p["id"] for p in rest["items"]] == archived[2:] and rest["next_cursor"] is None
    both = client.get(f"{API}/projects?status=archived&environment=dev&limit=50", headers=tenant.headers).json()
    assert [p["id"] for p in both["items"]] == archived and both["next_cursor"] is None


def test_a_search_pages_over_its_hits_across_read_batches(client: TestClient, tenant: Tenant,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "SEARCH_BATCH", 2)
    names = ["Needle one", "hay", "hay", "hay", "another NEEDLE", "hay", "needle three"]
    ids = [_create(client, tenant, name=name)["id"] for name in names]
    hits = [ids[0], ids[4], ids[6]]
    first = client.get(f"{API}/projects?q=needle&limit=2", headers=tenant.headers).json()
    assert [p["id"] for p in first["items"]] == hits[:2] and first["next_cursor"] == "2"
    rest = client.get(f"{API}/projects?q=needle&limit=2&cursor=2", headers=tenant.headers).json()
    assert [p["id"] for p in rest["items"]] == hits[2:] and rest["next_cursor"] is None
    exact = client.get(f"{API}/projects?q=needle&limit=3", headers=tenant.headers).json()
    assert len(exact["items"]) == 3 and exact["next_cursor"] is None


def test_patch_changes_only_the_named_fields(client: TestClient, tenant: Tenant) -> None:
    project = _create(client, tenant, description="keep me")
    client.post("/_twinstack/clock/advance", json={"seconds": 5})
    response = client.patch(f"{API}/projects/{project['id']}", headers=tenant.headers,
                            json={"name": "Renamed", "environment": "staging", "stats": {"sessions": 99}})
    assert response.status_code == 200 and response.json() == {"ok": True}
    after = client.get(f"{API}/projects/{project['id']}", headers=tenant.headers).json()["project"]
    assert after["name"] == "Renamed" and after["environment"] == "staging"
    assert after["description"] == "keep me" and after["stats"] == {"sessions": 0, "runs_24h": 0}
    assert after["updated_at"] > project["updated_at"]


def test_patch_of_an_unknown_project_is_404(client: TestClient, tenant: Tenant) -> None:
    response = client.patch(f"{API}/projects/proj_0000000000000000", headers=tenant.headers, json={"name": "x"})
    assert_error(response, 404, "project_not_found")


def test_delete_removes_the_project_and_its_sessions(client: TestClient, tenant: Tenant) -> None:
    project = _create(client, tenant)
    session = client.post(f"{API}/projects/{project['id']}/sessions", headers=tenant.headers, json={"title": "s"}).json()
    response = client.delete(f"{API}/projects/{project['id']}", headers=tenant.headers)
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert_error(client.get(f"{API}/projects/{project['id']}", headers=tenant.headers), 404, "project_not_found")
    assert_error(client.get(f"{API}/sessions/{session['session']['id']}", headers=tenant.headers), 404, "session_not_found")
    assert client.get(f"{API}/projects", headers=tenant.headers).json()["items"] == []
    assert_error(client.delete(f"{API}/projects/{project['id']}", headers=tenant.headers), 404, "project_not_found")


def test_delete_leaves_the_sessions_of_other_projects(client: TestClient, tenant: Tenant) -> None:
    doomed, kept = _create(client, tenant), _create(client, tenant)
    for project in (doomed, kept, doomed):
        client.post(f"{API}/projects/{project['id']}/sessions", headers=tenant.headers, json={"title": project["id"]})
    client.delete(f"{API}/projects/{doomed['id']}", headers=tenant.headers)
    left = client.get(f"{API}/projects/{kept['id']}/sessions", headers=tenant.headers).json()["items"]
    assert [s["title"] for s in left] == [kept["id"]]


def test_project_changes_are_audited(client: TestClient, tenant: Tenant) -> None:
    project = _create(client, tenant)
    client.patch(f"{API}/projects/{project['id']}", headers=tenant.headers, json={"status": "paused"})
    client.delete(f"{API}/projects/{project['id']}", headers=tenant.headers)
    events = client.get(f"{API}/audit?project_id={project['id']}", headers=tenant.headers).json()["items"]
    assert [e["type"] for e in events] == ["project.created", "project.updated", "project.deleted"]
    assert all(e["actor_user_id"] == "user_admin" for e in events)
    assert events[1]["data"]["changes"] == {"status": "paused"}
    only = client.get(f"{API}/audit?type=project.deleted", headers=tenant.headers).json()["items"]
    assert [e["type"] for e in only] == ["project.deleted"]
    mixed_case = client.get(f"{API}/audit?type=Project.Updated&project_id={project['id'].upper()}",
                            headers=tenant.headers).json()["items"]
    assert [e["type"] for e in mixed_case] == ["project.updated"]
