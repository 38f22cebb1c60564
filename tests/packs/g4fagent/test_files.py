"""Files through HTTP against the real workspace: etags, batch, tree, and the path guard (checked on disk too)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error


def _project(client: TestClient, tenant: Tenant, name: str = "demo") -> dict[str, Any]:
    response = client.post(f"{API}/projects", headers=tenant.headers, json={"name": name})
    assert response.status_code == 200, response.text
    project: dict[str, Any] = response.json()["project"]
    return project


def _folder(client: TestClient, project: dict[str, Any]) -> Path:
    """The project's folder on disk, found the way a user would: by its upstream name under the data dir."""
    data_dir = Path(client.app.state.runtime.settings.data_dir)  # type: ignore[attr-defined]
    found = list((data_dir / "g4fagent-workspaces").glob(f"*/demo-{project['id'][-8:]}"))
    assert len(found) == 1, found
    return found[0]


def _put(client: TestClient, tenant: Tenant, pid: str, path: str, text: str, etag: str | None = None) -> Any:
    body: dict[str, Any] = {"path": path, "text": text}
    if etag is not None:
        body["etag"] = etag
    return client.put(f"{API}/projects/{pid}/files/content", headers=tenant.headers, json=body)


def _get(client: TestClient, tenant: Tenant, pid: str, path: str) -> Any:
    return client.get(f"{API}/projects/{pid}/files/content", headers=tenant.headers, params={"path": path})


def test_write_then_read_round_trips_with_the_content_etag(client: TestClient, tenant: Tenant) -> None:
    project = _project(client, tenant)
    text = "print('hello')\n"
    written = _put(client, tenant, project["id"], "src/app.py", text)
    assert written.status_code == 200, written.text
    etag = hashlib.sha256(text.encode()).hexdigest()
    assert written.json() == {"ok": True, "etag": etag}
    read = _get(client, tenant, project["id"], "src/app.py")
    assert read.status_code == 200
    assert read.json() == {"path": "src/app.py", "encoding": "utf-8", "text": text, "etag": etag}
    assert (_folder(client, project) / "src" / "app.py").read_text() == text


def test_a_stale_etag_is_409_and_leaves_the_file_unchanged(client: TestClient, tenant: Tenant) -> None:
    project = _project(client, tenant)
    pid = project["id"]
    etag = _put(client, tenant, pid, "src/app.py", "v1\n").json()["etag"]
    first = _put(client, tenant, pid, "src/app.py", "v2 from client A\n", etag)
    assert first.status_code == 200 and first.json()["etag"] != etag
    second = _put(client, tenant, pid, "src/app.py", "v2 from client B\n", etag)
    assert_error(second, 409, "etag_conflict")
    assert _get(client, tenant, pid, "src/app.py").json()["text"] == "v2 from client A\n"
    assert (_folder(client, project) / "src" / "app.py").read_text() == "v2 from client A\n"
    blind = _put(client, tenant, pid, "src/app.py", "blind\n")
    assert blind.status_code == 200 and _get(client, tenant, pid, "src/app.py").json()["text"] == "blind\n"


@pytest.mark.parametrize("path", [
    "../../etc/passwd", "/etc/passwd", "src/../../outside.txt", "..\\..\\outside.txt", "C:\\Windows\\win.ini",
    "%2e%2e/%2e%2e/outside.txt", "%252e%252e/outside.txt", "bad\x00name.txt", ".git/config", "src/../.git/HEAD",
])
def test_paths_that_leave_the_workspace_are_refused_and_nothing_is_written(client: TestClient, tenant: Tenant,
                                                                          path: str) -> None:
    project = _project(client, tenant)
    folder = _folder(client, project)
    before = sorted(p.relative_to(folder.parent.parent) for p in folder.parent.parent.rglob("*"))
    outside = folder.parent.parent.parent
    outside_before = sorted(outside.iterdir())
    assert_error(_put(client, tenant, project["id"], path, "owned\n"), 400, "invalid_path")
    assert_error(_get(client, tenant, project["id"], path), 400, "invalid_path")
    assert sorted(p.relative_to(folder.parent.parent) for p in folder.parent.parent.rglob("*")) == before
    assert sorted(outside.iterdir()) == outside_before


def test_a_symlink_pointing_out_of_the_workspace_is_neither_read_nor_written(client: TestClient, tenant: Tenant,
                                                                            tmp_path: Path) -> None:
    project = _project(client, tenant)
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n")
    folder = _folder(client, project)
    os.symlink(secret, folder / "link.txt")
    os.symlink(tmp_path, folder / "linkdir")
    read = _get(client, tenant, project["id"], "link.txt")
    assert_error(read, 400, "invalid_path")
    assert "top secret" not in read.text
    assert_error(_put(client, tenant, project["id"], "link.txt", "overwritten\n"), 400, "invalid_path")
    assert_error(_put(client, tenant, project["id"], "linkdir/new.txt", "planted\n"), 400, "invalid_path")
    assert secret.read_text() == "top secret\n" and not (tmp_path / "new.txt").exists()
    tree = client.get(f"{API}/projects/{project['id']}/files/tree", headers=tenant.headers).json()
    assert {item["path"] for item in tree["items"]}.isdisjoint({"link.txt", "linkdir"})


def test_a_symlink_loop_is_an_invalid_path(client: TestClient, tenant: Tenant) -> None:
    project = _project(client, tenant)
    folder = _folder(client, project)
    os.symlink("loop-b", folder / "loop-a")
    os.symlink("loop-a", folder / "loop-b")
    assert_error(_get(client, tenant, project["id"], "loop-a/x.txt"), 400, "invalid_path")
    assert_error(_put(client, tenant, project["id"], "loop-a", "x"), 400, "invalid_path")
    tree = client.get(f"{API}/projects/{project['id']}/files/tree", headers=tenant.headers)
    assert tree.status_code == 200 and tree.json()["items"] == []


def test_missing_files_and_size_limit(client: TestClient, tenant: Tenant) -> None:
    project = _project(client, tenant)
    assert_error(_get(client, tenant, project["id"], "nope.txt"), 404, "not_found")
    assert_error(_put(client, tenant, project["id"], "big.txt", "x" * (2 * 1024 * 1024 + 1)), 400,
                 "invalid_request", "text")
    assert not (_folder(client, project) / "big.txt").exists()
    assert_error(client.put(f"{API}/projects/{project['id']}/files/content", headers=tenant.headers,
                            json={"path": "a.txt"}), 400, "invalid_request", "text")


def test_tree_lists_files_and_folders_and_hides_dotfiles_and_git(client: TestClient, tenant: Tenant) -> None:
    project = _project(client, tenant)
    pid = project["id"]
    for path in ("src/app.py", "src/pkg/mod.py", "README.md", ".env"):
        assert _put(client, tenant, pid, path, f"# {path}\n").status_code == 200
    tree = client.get(f"{API}/projects/{pid}/files/tree", headers=tenant.headers).json()
    assert tree["root"] == "/"
    by_path = {item["path"]: item for item in tree["items"]}
    assert set(by_path) == {"README.md", "src", "src/app.py", "src/pkg", "src/pkg/mod.py"}
    assert by_path["src"]["type"] == "dir" and by_path["src"]["size_bytes"] == 0
    assert by_path["src/app.py"] == {**by_path["src/app.py"], "type": "file", "size_bytes": len("# src/app.py\n")}
    shallow = client.get(f"{API}/projects/{pid}/files/tree", headers=tenant.headers,
                         params={"root": "src", "depth": 1, "include_hidden": "true"}).json()
    assert {item["path"] for item in shallow["items"]} == {"src/app.py", "src/pkg"}
    hidden = client.get(f"{API}/projects/{pid}/files/tree", headers=tenant.headers,
                        params={"include_hidden": "true"}).json()
    paths = {item["path"] for item in hidden["items"]}
    assert ".env" in paths and not any(p == ".git" or p.startswith(".git/") for p in paths)
    assert_error(client.get(f"{API}/projects/{pid}/files/tree", headers=tenant.headers, params={"root": "gone"}),
                 404, "not_found")


def test_batch_reads_before_writes_and_reports_each_item(client: TestClient, tenant: Tenant) -> None:
    project = _project(client, tenant)
    pid = project["id"]
    etag = _put(client, tenant, pid, "a.txt", "A\n").json()["etag"]
    response = client.post(f"{API}/projects/{pid}/files/batch", headers=tenant.headers, json={
        "reads": [{"path": "a.txt"}, {"path": "missing.txt"}, {"path": "../x"}],
        "writes": [{"path": "a.txt", "text": "A2\n", "etag": etag}, {"path": "a.txt", "text": "A3\n", "etag": etag},
                   {"path": "b/c.txt", "text": "C\n"}],
    })
    assert response.status_code == 200, response.text
    reads, writes = response.json()["reads"], response.json()["writes"]
    assert reads[0] == {"path": "a.txt", "ok": True, "text": "A\n", "etag": etag}
    assert reads[1]["ok"] is False and reads[1]["error"]["code"] == "not_found"
    assert reads[2]["ok"] is False and reads[2]["error"]["code"] == "invalid_path"
    assert writes[0]["ok"] is True and writes[1]["ok"] is False and writes[1]["error"]["code"] == "etag_conflict"
    assert writes[2]["ok"] is True
    folder = _folder(client, project)
    assert (folder / "a.txt").read_text() == "A2\n" and (folder / "b" / "c.txt").read_text() == "C\n"
    empty = client.post(f"{API}/projects/{pid}/files/batch", headers=tenant.headers, json={})
    assert empty.status_code == 200 and empty.json() == {"reads": [], "writes": []}


def test_another_tenants_project_files_are_not_found(client: TestClient, tenant: Tenant) -> None:
    project = _project(client, tenant)
    _put(client, tenant, project["id"], "mine.txt", "private\n")
    other = client.post(f"{API}/auth/login", json={"method": "password", "email": "admin@g4fagent.local",
                                                    "password": "admin"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {other}"}
    response = client.get(f"{API}/projects/{project['id']}/files/content", headers=headers, params={"path": "mine.txt"})
    assert_error(response, 404, "project_not_found")
    assert "private" not in response.text
    assert_error(client.put(f"{API}/projects/{project['id']}/files/content", headers=headers,
                            json={"path": "mine.txt", "text": "stolen\n"}), 404, "project_not_found")
    assert (_folder(client, project) / "mine.txt").read_text() == "private\n"


def test_overlong_paths_are_invalid_not_a_crash(client: TestClient, tenant: Tenant) -> None:
    project = _project(client, tenant)
    for path in ("a" * 300, "/".join(["d" * 200] * 10)):
        assert_error(_put(client, tenant, project["id"], path, "x"), 400, "invalid_path")
        assert_error(_get(client, tenant, project["id"], path), 400, "invalid_path")
