"""A project's workspace folder as a whole: made per tenant, removed with the project, carried by export/import, wiped at reset."""

from __future__ import annotations

from dulwich.repo import Repo
from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import (
    API,
    Tenant,
    assert_error,
    bearer,
    folder_of,
    login,
    make_project,
    read_file,
    workspaces_root,
    write_file,
)


def test_a_new_project_is_an_empty_git_repository_on_main(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant, name="My Demo App")
    folder = folder_of(client, project)
    assert folder.name == f"my-demo-app-{project['id'][-8:]}"
    with Repo(str(folder)) as repo:
        assert repo.refs.read_ref(b"HEAD") == b"ref: refs/heads/main"
    assert project["last_commit"] == ""


def test_tenants_have_separate_folders_and_cannot_reach_each_others(client: TestClient, tenant: Tenant) -> None:
    mine = make_project(client, tenant)
    write_file(client, tenant, mine["id"], "secret.txt", "tenant A\n")
    other = login(client, "admin@g4fagent.local", "admin")["access_token"]
    theirs = client.post(f"{API}/projects", headers=bearer(other), json={"name": "demo"}).json()["project"]
    assert folder_of(client, mine).parent != folder_of(client, theirs).parent
    for path in ("secret.txt", f"../{folder_of(client, mine).name}/secret.txt"):
        response = client.get(f"{API}/projects/{theirs['id']}/files/content", headers=bearer(other), params={"path": path})
        assert response.status_code in (400, 404) and "tenant A" not in response.text
    assert_error(client.get(f"{API}/projects/{mine['id']}/repo/status", headers=bearer(other)), 404, "project_not_found")
    assert_error(client.post(f"{API}/projects/{mine['id']}/search", headers=bearer(other), json={"q": "tenant"}), 404,
                 "project_not_found")


def test_deleting_a_project_removes_its_folder(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    write_file(client, tenant, project["id"], "src/app.py", "x = 1\n")
    folder = folder_of(client, project)
    assert folder.is_dir()
    diff = client.post(f"{API}/projects/{project['id']}/diffs", headers=tenant.headers,
                       json={"title": "t", "patch": "--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+n\n"}).json()["diff_id"]
    assert client.delete(f"{API}/projects/{project['id']}", headers=tenant.headers).json() == {"ok": True}
    assert not folder.exists()
    assert_error(client.get(f"{API}/projects/{project['id']}/files/tree", headers=tenant.headers), 404, "project_not_found")
    assert_error(client.get(f"{API}/diffs/{diff}", headers=tenant.headers), 404, "diff_not_found")


def test_state_export_and_import_carry_the_files_and_the_history(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "src/app.py", "print('exported')\n")
    commit = client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers, json={"message": "v1"}).json()["commit"]
    write_file(client, tenant, pid, "notes.txt", "uncommitted\n")
    snapshot = client.get("/_twinstack/state/export")
    assert snapshot.status_code == 200
    document = snapshot.json()

    # Change everything after the export: the import must bring back the exported files, and only them.
    write_file(client, tenant, pid, "src/app.py", "print('later')\n")
    write_file(client, tenant, pid, "later.txt", "after the export\n")
    gone = make_project(client, tenant, name="later")
    later_folder = folder_of(client, gone)

    assert client.post("/_twinstack/state/import", json=document).status_code == 200
    assert read_file(client, tenant, pid, "src/app.py") == "print('exported')\n"
    assert read_file(client, tenant, pid, "notes.txt") == "uncommitted\n"
    assert not (folder_of(client, project) / "later.txt").exists()
    assert not later_folder.exists()
    with Repo(str(folder_of(client, project))) as repo:
        assert repo.head().decode() == commit
    status = client.get(f"{API}/projects/{pid}/repo/status", headers=tenant.headers).json()
    assert status["changes"] == [{"path": "notes.txt", "status": "untracked"}]


def test_reset_removes_every_folder(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    write_file(client, tenant, project["id"], "a.txt", "a\n")
    folder = folder_of(client, project)
    assert client.post("/_twinstack/reset").status_code == 200
    assert not folder.exists()
    assert not any(workspaces_root(client).glob("*/*-*"))
