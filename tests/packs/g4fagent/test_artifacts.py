"""Artifacts: real ZIPs of the workspace (named paths or everything, .git left out), descriptors, listing."""

from __future__ import annotations

import hashlib
import io
import zipfile

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API, Tenant, assert_error, login

FILES = {"src/app.py": "print('hi')\n", "src/util/strings.py": "def up(s):\n    return s.upper()\n", "README.md": "# demo\n"}


def _project(client: TestClient, tenant: Tenant) -> str:
    pid = str(client.post(f"{API}/projects", headers=tenant.headers, json={"name": "Artifacts"}).json()["project"]["id"])
    for path, text in FILES.items():
        response = client.put(f"{API}/projects/{pid}/files/content", headers=tenant.headers, json={"path": path, "text": text})
        assert response.status_code == 200, response.text
    assert client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers, json={"message": "init"}).status_code == 200
    return pid


def _zip(client: TestClient, artifact_id: str) -> zipfile.ZipFile:
    download = client.get("/_twinstack/g4fagent/download", params={"id": artifact_id})
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(download.content))


def test_a_zip_of_the_whole_workspace_leaves_git_out(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    response = client.post(f"{API}/projects/{pid}/artifacts", headers=tenant.headers, json={"type": "zip", "label": "all"})
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["download_url"] == f"{API}/artifacts/{created['artifact_id']}"
    artifact = client.get(created["download_url"], headers=tenant.headers).json()["artifact"]
    archive = _zip(client, created["artifact_id"])
    assert sorted(archive.namelist()) == sorted(FILES)
    assert {name: archive.read(name).decode() for name in archive.namelist()} == FILES
    assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
    raw = client.get("/_twinstack/g4fagent/download", params={"id": created["artifact_id"]}).content
    assert artifact["size_bytes"] == len(raw) and artifact["sha256"] == hashlib.sha256(raw).hexdigest()
    assert artifact["project_id"] == pid and artifact["type"] == "zip" and artifact["label"] == "all"


def test_named_paths_are_guarded_and_missing_ones_skipped(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    made = client.post(f"{API}/projects/{pid}/artifacts", headers=tenant.headers,
                       json={"type": "zip", "paths": ["src/util", "README.md", "gone.txt"]}).json()
    assert sorted(_zip(client, made["artifact_id"]).namelist()) == ["README.md", "src/util/strings.py"]
    for bad in ("../../etc/passwd", "/etc/passwd", ".git/config"):
        response = client.post(f"{API}/projects/{pid}/artifacts", headers=tenant.headers, json={"type": "zip", "paths": [bad]})
        assert_error(response, 400, "invalid_path")


def test_other_types_are_descriptors_and_the_list_filters_by_type(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    report = client.post(f"{API}/projects/{pid}/artifacts", headers=tenant.headers, json={"type": "report", "label": "r"}).json()
    client.post(f"{API}/projects/{pid}/artifacts", headers=tenant.headers, json={"type": "zip"})
    listed = client.get(f"{API}/projects/{pid}/artifacts", headers=tenant.headers, params={"type": "REPORT"}).json()
    assert [a["id"] for a in listed["items"]] == [report["artifact_id"]] and listed["next_cursor"] is None
    descriptor = client.get("/_twinstack/g4fagent/download", params={"id": report["artifact_id"]}).json()
    assert descriptor["type"] == "report" and descriptor["project_id"] == pid and descriptor["label"] == "r"
    assert_error(client.post(f"{API}/projects/{pid}/artifacts", headers=tenant.headers, json={"label": "x"}),
                 400, "invalid_request", "type")


def test_artifacts_of_another_tenant_are_not_found(client: TestClient, tenant: Tenant) -> None:
    pid = _project(client, tenant)
    made = client.post(f"{API}/projects/{pid}/artifacts", headers=tenant.headers, json={"type": "zip"}).json()
    creds = tenant_credentials(client)["credentials"]["g4fagent"]
    other = {"Authorization": f"Bearer {login(client, creds['email'], creds['password'])['access_token']}"}
    assert_error(client.get(f"{API}/artifacts/{made['artifact_id']}", headers=other), 404, "artifact_not_found")
    assert_error(client.post(f"{API}/projects/{pid}/artifacts", headers=other, json={"type": "zip"}), 404, "project_not_found")
