"""Sessions of a project: create with defaults, read, list with filters, patch; the project's counter."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error


def _project(client: TestClient, tenant: Tenant) -> str:
    return str(client.post(f"{API}/projects", headers=tenant.headers, json={"name": "p"}).json()["project"]["id"])


def test_create_fills_the_defaults_and_counts_on_the_project(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    response = client.post(f"{API}/projects/{pid}/sessions", headers=tenant.headers, json={"title": "Chat", "tags": ["a"]})
    assert response.status_code == 200, response.text
    session = response.json()["session"]
    assert re.fullmatch(r"sess_[0-9a-f]{16}", session["id"])
    assert session["project_id"] == pid and session["title"] == "Chat" and session["status"] == "active"
    assert session["provider_id"] == "g4f" and session["model_id"] == "gpt-4o-mini"
    assert session["config"] == {} and session["memory"] == {} and session["tags"] == ["a"]
    assert client.get(f"{API}/sessions/{session['id']}", headers=tenant.headers).json() == {"session": session}
    project = client.get(f"{API}/projects/{pid}", headers=tenant.headers).json()["project"]
    assert project["stats"]["sessions"] == 1


def test_create_needs_a_title(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    response = client.post(f"{API}/projects/{pid}/sessions", headers=tenant.headers, json={"model_id": "x"})
    assert_error(response, 400, "invalid_request", "title")


def test_create_in_an_unknown_project_is_404(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/projects/proj_0000000000000000/sessions", headers=tenant.headers, json={"title": "t"})
    assert_error(response, 404, "project_not_found")


def test_list_is_per_project_and_filters(client: TestClient, tenant: Tenant) -> None:
    pid, other = _project(client, tenant), _project(client, tenant)
    client.post(f"{API}/projects/{pid}/sessions", headers=tenant.headers, json={"title": "Planning"})
    client.post(f"{API}/projects/{pid}/sessions", headers=tenant.headers, json={"title": "Debug", "status": "archived"})
    client.post(f"{API}/projects/{other}/sessions", headers=tenant.headers, json={"title": "Elsewhere"})
    listed = client.get(f"{API}/projects/{pid}/sessions", headers=tenant.headers).json()
    assert [s["title"] for s in listed["items"]] == ["Planning", "Debug"] and listed["next_cursor"] is None
    assert [s["title"] for s in client.get(f"{API}/projects/{pid}/sessions?q=plan", headers=tenant.headers).json()["items"]] == ["Planning"]
    archived = client.get(f"{API}/projects/{pid}/sessions?status=ARCHIVED", headers=tenant.headers).json()["items"]
    assert [s["title"] for s in archived] == ["Debug"]


def test_patch_updates_the_session(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    session = client.post(f"{API}/projects/{pid}/sessions", headers=tenant.headers, json={"title": "t"}).json()["session"]
    response = client.patch(f"{API}/sessions/{session['id']}", headers=tenant.headers,
                            json={"title": "renamed", "memory": {"k": "v"}, "project_id": "proj_elsewhere"})
    assert response.json() == {"ok": True}
    after = client.get(f"{API}/sessions/{session['id']}", headers=tenant.headers).json()["session"]
    assert after["title"] == "renamed" and after["memory"] == {"k": "v"} and after["project_id"] == pid


def test_sessions_take_the_default_model_from_settings(client: TestClient, tenant: Tenant) -> None:
    saved = client.put(f"{API}/settings", headers=tenant.headers,
                       json={"default_provider_id": "ollama", "default_model_id": "llama3.1"})
    assert saved.status_code == 200
    pid = _project(client, tenant)
    session = client.post(f"{API}/projects/{pid}/sessions", headers=tenant.headers, json={"title": "t"}).json()["session"]
    assert (session["provider_id"], session["model_id"]) == ("ollama", "llama3.1")
