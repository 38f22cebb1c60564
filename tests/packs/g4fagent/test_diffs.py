"""Diffs through HTTP: parsed stats and files, applied to the real workspace (and committed), refused when stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dulwich.repo import Repo
from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error, folder_of, make_project, read_file, write_file

PATCH = """diff --git a/src/app.py b/src/app.py
--- a/src/app.py
+++ b/src/app.py
@@ -1,3 +1,3 @@
 import os
-print('hello')
+print('hello, world')
 # end
--- /dev/null
+++ b/docs/notes.md
@@ -0,0 +1,2 @@
+# Notes
+Added by a diff.
"""


def _create(client: TestClient, tenant: Tenant, pid: str, patch: str, **extra: Any) -> Any:
    return client.post(f"{API}/projects/{pid}/diffs", headers=tenant.headers,
                       json={"title": "Greet the world", "patch": patch, **extra})


def _commit(client: TestClient, tenant: Tenant, pid: str, message: str) -> str:
    response = client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers, json={"message": message})
    assert response.status_code == 200, response.text
    commit: str = response.json()["commit"]
    return commit


def test_diff_workflow_create_apply_commit_then_a_stale_diff_is_refused(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "src/app.py", "import os\nprint('hello')\n# end\n")
    initial = _commit(client, tenant, pid, "Initial tree")

    created = _create(client, tenant, pid, PATCH)
    assert created.status_code == 200, created.text
    diff_id = created.json()["diff_id"]
    assert diff_id.startswith("diff_")
    diff = client.get(f"{API}/diffs/{diff_id}", headers=tenant.headers).json()["diff"]
    assert diff["status"] == "open" and diff["project_id"] == pid and diff["title"] == "Greet the world"
    assert diff["stats"] == {"added": 3, "removed": 1}
    assert [(f["path"], f["added"], f["removed"]) for f in diff["files"]] == [("src/app.py", 1, 1), ("docs/notes.md", 2, 0)]
    assert diff["base_rev"] == initial
    assert "patch" not in diff and "_patch" not in diff

    applied = client.post(f"{API}/diffs/{diff_id}/apply", headers=tenant.headers, json={"commit_message": "Apply greeting"})
    assert applied.status_code == 200, applied.text
    assert applied.json()["ok"] is True
    commit = applied.json()["commit"]
    folder = folder_of(client, project)
    assert (folder / "src" / "app.py").read_text() == "import os\nprint('hello, world')\n# end\n"
    assert (folder / "docs" / "notes.md").read_text() == "# Notes\nAdded by a diff.\n"
    with Repo(str(folder)) as repo:
        assert repo.head().decode() == commit
        assert repo[repo.head()].message == b"Apply greeting"
    status = client.get(f"{API}/projects/{pid}/repo/status", headers=tenant.headers).json()
    assert status["dirty"] is False and status["changes"] == []
    assert client.get(f"{API}/diffs/{diff_id}", headers=tenant.headers).json()["diff"]["status"] == "applied"
    assert client.get(f"{API}/projects/{pid}", headers=tenant.headers).json()["project"]["last_commit"] == commit
    assert_error(client.post(f"{API}/diffs/{diff_id}/apply", headers=tenant.headers, json={}), 400, "invalid_state")

    # The same change again no longer applies: the lines it removes are gone.
    stale_id = _create(client, tenant, pid, PATCH.split("--- /dev/null")[0]).json()["diff_id"]
    stale = client.post(f"{API}/diffs/{stale_id}/apply", headers=tenant.headers, json={})
    assert stale.status_code == 200 and stale.json() == {"ok": False, "commit": ""}
    assert client.get(f"{API}/diffs/{stale_id}", headers=tenant.headers).json()["diff"]["status"] == "open"
    assert read_file(client, tenant, pid, "src/app.py") == "import os\nprint('hello, world')\n# end\n"
    discarded = client.post(f"{API}/diffs/{stale_id}/discard", headers=tenant.headers)
    assert discarded.status_code == 200 and discarded.json() == {"ok": True}
    assert_error(client.post(f"{API}/diffs/{diff_id}/discard", headers=tenant.headers), 400, "invalid_state")

    listed = client.get(f"{API}/projects/{pid}/diffs", headers=tenant.headers, params={"status": "DISCARDED"}).json()
    assert [d["id"] for d in listed["items"]] == [stale_id] and listed["next_cursor"] is None
    assert len(client.get(f"{API}/projects/{pid}/diffs", headers=tenant.headers).json()["items"]) == 2


def test_a_diff_is_all_or_nothing(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "src/app.py", "import os\nprint('changed elsewhere')\n# end\n")
    diff_id = _create(client, tenant, pid, PATCH).json()["diff_id"]
    answer = client.post(f"{API}/diffs/{diff_id}/apply", headers=tenant.headers, json={"commit_message": "x"})
    assert answer.json() == {"ok": False, "commit": ""}
    # The second file would apply on its own, but nothing was written.
    assert not (folder_of(client, project) / "docs").exists()


def test_hunks_apply_where_lines_moved_and_files_are_deleted(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "a.txt", "new first line\none\ntwo\nthree\n")
    write_file(client, tenant, pid, "gone.txt", "bye\n")
    patch = ("--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n"
             "--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n")
    diff_id = _create(client, tenant, pid, patch).json()["diff_id"]
    diff = client.get(f"{API}/diffs/{diff_id}", headers=tenant.headers).json()["diff"]
    assert diff["base_rev"] == "HEAD"  # no commit yet
    assert client.post(f"{API}/diffs/{diff_id}/apply", headers=tenant.headers, json={}).json() == {"ok": True, "commit": ""}
    folder = folder_of(client, project)
    assert (folder / "a.txt").read_text() == "new first line\none\nTWO\nthree\n"
    assert not (folder / "gone.txt").exists()


def test_bad_patches_and_paths_are_refused(client: TestClient, tenant: Tenant, tmp_path: Path) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    assert_error(_create(client, tenant, pid, "this is not a diff\n"), 400, "invalid_request", "patch")
    assert_error(client.post(f"{API}/projects/{pid}/diffs", headers=tenant.headers, json={"title": "t"}), 400,
                 "invalid_request", "patch")
    escaping = "--- /dev/null\n+++ b/../../../escaped.txt\n@@ -0,0 +1 @@\n+owned\n"
    assert_error(_create(client, tenant, pid, escaping), 400, "invalid_path")
    assert not list(tmp_path.rglob("escaped.txt"))
    assert_error(client.get(f"{API}/diffs/diff_0000000000000000", headers=tenant.headers), 404, "diff_not_found")


def test_comments_need_an_integer_line(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    write_file(client, tenant, project["id"], "src/app.py", "import os\nprint('hello')\n# end\n")
    diff_id = _create(client, tenant, project["id"], PATCH).json()["diff_id"]
    ok = client.post(f"{API}/diffs/{diff_id}/comment", headers=tenant.headers,
                     json={"path": "src/app.py", "line": 2, "comment": "nice"})
    assert ok.status_code == 200 and ok.json() == {"ok": True}
    assert_error(client.post(f"{API}/diffs/{diff_id}/comment", headers=tenant.headers,
                             json={"path": "src/app.py", "line": "two", "comment": "x"}), 400, "invalid_request", "line")


def test_a_git_rename_moves_the_file(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "old.txt", "one\ntwo\n")
    patch = ("diff --git a/old.txt b/new.txt\nsimilarity index 60%\nrename from old.txt\nrename to new.txt\n"
             "--- a/old.txt\n+++ b/new.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n")
    diff_id = _create(client, tenant, pid, patch).json()["diff_id"]
    files = client.get(f"{API}/diffs/{diff_id}", headers=tenant.headers).json()["diff"]["files"]
    assert [(f["path"], f["change"], f.get("old_path")) for f in files] == [("new.txt", "renamed", "old.txt")]
    assert client.post(f"{API}/diffs/{diff_id}/apply", headers=tenant.headers, json={}).json()["ok"] is True
    folder = folder_of(client, project)
    assert not (folder / "old.txt").exists() and (folder / "new.txt").read_text() == "one\nTWO\n"


def test_a_file_patched_twice_in_one_diff_and_a_file_where_a_folder_must_be(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "a.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n")
    twice = ("--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n"
             "--- a/a.txt\n+++ b/a.txt\n@@ -8,2 +8,2 @@\n 8\n-9\n+nine\n")
    diff_id = _create(client, tenant, pid, twice).json()["diff_id"]
    assert client.post(f"{API}/diffs/{diff_id}/apply", headers=tenant.headers, json={}).json()["ok"] is True
    assert read_file(client, tenant, pid, "a.txt") == "one\n2\n3\n4\n5\n6\n7\n8\nnine\n"

    blocked = ("--- /dev/null\n+++ b/fresh.txt\n@@ -0,0 +1 @@\n+fresh\n"
               "--- /dev/null\n+++ b/a.txt/inner.txt\n@@ -0,0 +1 @@\n+cannot be\n")
    blocked_id = _create(client, tenant, pid, blocked).json()["diff_id"]
    assert client.post(f"{API}/diffs/{blocked_id}/apply", headers=tenant.headers, json={}).json() == {"ok": False, "commit": ""}
    assert not (folder_of(client, project) / "fresh.txt").exists()
