"""Deployments: the repository's commit as revision, four steps on the twin clock, logs in order, cancel, failure."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API, Tenant, assert_error, login


def _client(make_client: Any) -> tuple[TestClient, Tenant]:
    client: TestClient = make_client(speed="realistic")
    made = tenant_credentials(client)["credentials"]["g4fagent"]
    tokens = login(client, made["email"], made["password"])
    return client, Tenant("t", made["email"], made["password"], tokens["access_token"], tokens["refresh_token"])


def _project(client: TestClient, tenant: Tenant) -> tuple[str, str]:
    pid = str(client.post(f"{API}/projects", headers=tenant.headers, json={"name": "web"}).json()["project"]["id"])
    client.put(f"{API}/projects/{pid}/files/content", headers=tenant.headers, json={"path": "app.py", "text": "x = 1\n"})
    commit = client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers, json={"message": "init"}).json()["commit"]
    return pid, str(commit)


def _deploy(client: TestClient, tenant: Tenant, pid: str, **extra: str) -> str:
    response = client.post(f"{API}/projects/{pid}/deployments", headers=tenant.headers,
                           json={"env": "prod", "target": "web-1", "strategy": "rolling", **extra})
    assert response.status_code == 200, response.text
    return str(response.json()["deployment_id"])


def _get(client: TestClient, tenant: Tenant, did: str) -> dict[str, Any]:
    deployment: dict[str, Any] = client.get(f"{API}/deployments/{did}", headers=tenant.headers).json()["deployment"]
    return deployment


def _advance(client: TestClient, seconds: float) -> None:
    assert client.post("/_twinstack/clock/advance", json={"seconds": seconds}).status_code == 200


def _logs(client: TestClient, tenant: Tenant, did: str) -> list[tuple[str, str]]:
    items = client.get(f"{API}/deployments/{did}/logs", headers=tenant.headers).json()["items"]
    return [(e["level"], e["text"]) for e in items]


def test_a_deployment_goes_through_its_steps_at_the_repositorys_commit(make_client: Any) -> None:
    client, tenant = _client(make_client)
    pid, commit = _project(client, tenant)
    did = _deploy(client, tenant, pid)
    queued = _get(client, tenant, did)
    assert queued["status"] == "queued" and queued["progress"] == 0.0 and queued["steps"] == []
    assert queued["revision"] == commit and queued["project_id"] == pid and queued["strategy"] == "rolling"
    _advance(client, 4)
    midway = _get(client, tenant, did)
    assert midway["status"] == "running" and midway["progress"] == 0.25 and midway["started_at"]
    assert [(s["name"], s["status"]) for s in midway["steps"]] == [("prepare", "done"), ("build", "running")]
    _advance(client, 60)
    done = _get(client, tenant, did)
    assert done["status"] == "succeeded" and done["progress"] == 1.0 and done["ended_at"]
    assert [(s["name"], s["status"]) for s in done["steps"]] == [(n, "done") for n in ("prepare", "build", "deploy", "verify")]
    assert all(s["id"].startswith("dstep_") for s in done["steps"])
    artifact_id = done["artifact_id"]
    assert _logs(client, tenant, did) == [
        ("info", "Deployment queued"), ("info", "Step started: prepare"), ("info", "Step started: build"),
        ("info", f"Built 1 file at {commit} into artifact {artifact_id}"), ("info", "Step started: deploy"),
        ("info", "Step started: verify"), ("info", "Deployment succeeded")]
    # The build packed the tree of that commit, not the working tree as it is now.
    client.put(f"{API}/projects/{pid}/files/content", headers=tenant.headers, json={"path": "later.py", "text": "y = 2\n"})
    build = zipfile.ZipFile(io.BytesIO(client.get("/_twinstack/g4fagent/download", params={"id": artifact_id}).content))
    assert build.namelist() == ["app.py"] and build.read("app.py") == b"x = 1\n"
    artifact = client.get(f"{API}/artifacts/{artifact_id}", headers=tenant.headers).json()["artifact"]
    assert artifact["deployment_id"] == did and artifact["project_id"] == pid and artifact["type"] == "zip"
    note = client.get(f"{API}/notifications", headers=tenant.headers).json()["items"][0]
    assert note["title"] == "Deployment succeeded" and commit in note["body"]
    assert_error(client.post(f"{API}/deployments/{did}/cancel", headers=tenant.headers), 400, "invalid_state")


def test_a_deployment_cancelled_midway_stops(make_client: Any) -> None:
    client, tenant = _client(make_client)
    pid, _ = _project(client, tenant)
    did = _deploy(client, tenant, pid)
    _advance(client, 4)
    assert client.post(f"{API}/deployments/{did}/cancel", headers=tenant.headers).json() == {"ok": True}
    _advance(client, 60)
    canceled = _get(client, tenant, did)
    assert canceled["status"] == "canceled" and canceled["progress"] == 1.0 and len(canceled["steps"]) == 2
    assert _logs(client, tenant, did)[-2:] == [("warn", "Deployment canceled by user"), ("info", "Deployment canceled")]


def test_an_unknown_revision_fails_the_build(make_client: Any) -> None:
    client, tenant = _client(make_client)
    pid, _ = _project(client, tenant)
    did = _deploy(client, tenant, pid, revision="no-such-branch")
    _advance(client, 60)
    failed = _get(client, tenant, did)
    assert failed["status"] == "failed" and [(s["name"], s["status"]) for s in failed["steps"]][-1] == ("build", "failed")
    assert _logs(client, tenant, did)[-1] == ("error", "Step failed: build: Revision not found: no-such-branch")
    listed = client.get(f"{API}/projects/{pid}/deployments", headers=tenant.headers, params={"status": "Failed"}).json()
    assert [d["id"] for d in listed["items"]] == [did]
    assert client.get(f"{API}/projects/{pid}/deployments", headers=tenant.headers, params={"env": "dev"}).json()["items"] == []


def test_deployments_need_their_fields_and_stay_in_their_tenant(client: TestClient, tenant: Tenant) -> None:
    pid, _ = _project(client, tenant)
    response = client.post(f"{API}/projects/{pid}/deployments", headers=tenant.headers, json={"env": "prod", "target": "x"})
    assert_error(response, 400, "invalid_request", "strategy")
    did = _deploy(client, tenant, pid)
    creds = tenant_credentials(client)["credentials"]["g4fagent"]
    other = {"Authorization": f"Bearer {login(client, creds['email'], creds['password'])['access_token']}"}
    assert_error(client.get(f"{API}/deployments/{did}", headers=other), 404, "deployment_not_found")
    assert_error(client.post(f"{API}/deployments/{did}/cancel", headers=other), 404, "deployment_not_found")
