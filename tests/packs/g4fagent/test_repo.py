"""The project's git repository through HTTP, checked with dulwich opening the folder like any git client."""

from __future__ import annotations

from pathlib import Path

from dulwich import porcelain
from dulwich.repo import Repo
from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error, folder_of, make_project, write_file


def _status(client: TestClient, tenant: Tenant, pid: str) -> dict[str, object]:
    response = client.get(f"{API}/projects/{pid}/repo/status", headers=tenant.headers)
    assert response.status_code == 200, response.text
    status: dict[str, object] = response.json()
    return status


def test_write_makes_the_tree_dirty_commit_cleans_it_and_git_sees_the_commit(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    assert _status(client, tenant, pid) == {"branch": "main", "dirty": False, "ahead": 0, "behind": 0, "changes": []}
    write_file(client, tenant, pid, "src/app.py", "print('hi')\n")
    write_file(client, tenant, pid, "README.md", "# demo\n")
    dirty = _status(client, tenant, pid)
    assert dirty["dirty"] is True
    assert dirty["changes"] == [{"path": "README.md", "status": "untracked"}, {"path": "src/app.py", "status": "untracked"}]

    response = client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers, json={"message": "First commit"})
    assert response.status_code == 200, response.text
    commit = response.json()["commit"]
    assert response.json()["ok"] is True and len(commit) == 40
    assert _status(client, tenant, pid)["dirty"] is False
    with Repo(str(folder_of(client, project))) as repo:
        assert repo.head().decode() == commit
        made = repo[repo.head()]
        assert made.message == b"First commit"
        assert made.author.decode().endswith(f"<{tenant.email}>")
        assert sorted(path.decode() for path in repo.open_index()) == ["README.md", "src/app.py"]
    assert client.get(f"{API}/projects/{pid}", headers=tenant.headers).json()["project"]["last_commit"] == commit

    write_file(client, tenant, pid, "src/app.py", "print('changed')\n")
    (folder_of(client, project) / "README.md").unlink()
    assert _status(client, tenant, pid)["changes"] == [{"path": "README.md", "status": "deleted"},
                                                       {"path": "src/app.py", "status": "modified"}]
    only = client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers,
                       json={"message": "Only the app", "paths": ["src/app.py"]})
    assert only.status_code == 200, only.text
    assert _status(client, tenant, pid)["changes"] == [{"path": "README.md", "status": "deleted"}]
    client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers, json={"message": "Drop the readme"})
    assert_error(client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers, json={"message": "again"}),
                 400, "git_commit_failed")
    assert_error(client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers, json={"paths": []}),
                 400, "invalid_request", "message")


def _origin(tmp_path: Path) -> Path:
    """A repository elsewhere on the machine with two branches, used as a project's ``repo.url``."""
    origin = tmp_path / "origin"
    with porcelain.init(str(origin)) as repo:
        repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/main")
        (origin / "app.py").write_text("v1\n")
        porcelain.add(repo, [str(origin / "app.py")])
        porcelain.commit(repo, b"v1", author=b"Origin <o@example.com>", committer=b"Origin <o@example.com>")
        repo.refs[b"refs/heads/feature"] = repo.head()
    return origin


def _advance(origin: Path, text: str) -> str:
    with Repo(str(origin)) as repo:
        (origin / "app.py").write_text(text)
        porcelain.add(repo, [str(origin / "app.py")])
        return porcelain.commit(repo, text.encode(), author=b"O <o@example.com>", committer=b"O <o@example.com>").decode()


def test_a_local_repo_url_is_cloned_branches_check_out_and_pull_fast_forwards(client: TestClient, tenant: Tenant,
                                                                              tmp_path: Path) -> None:
    origin = _origin(tmp_path)
    project = make_project(client, tenant, repo={"url": f"file://{origin}"})
    pid = project["id"]
    folder = folder_of(client, project)
    assert (folder / "app.py").read_text() == "v1\n"
    with Repo(str(origin)) as repo:
        assert project["last_commit"] == repo.head().decode()

    assert_error(client.post(f"{API}/projects/{pid}/repo/checkout", headers=tenant.headers, json={"branch": "nope"}),
                 400, "git_checkout_failed")
    switched = client.post(f"{API}/projects/{pid}/repo/checkout", headers=tenant.headers, json={"branch": "feature"})
    assert switched.status_code == 200, switched.text
    assert _status(client, tenant, pid)["branch"] == "feature"
    client.post(f"{API}/projects/{pid}/repo/checkout", headers=tenant.headers, json={"branch": "main"})

    newest = _advance(origin, "v2\n")
    pulled = client.post(f"{API}/projects/{pid}/repo/pull", headers=tenant.headers)
    assert pulled.status_code == 200 and pulled.json() == {"ok": True}
    assert (folder / "app.py").read_text() == "v2\n"
    status = _status(client, tenant, pid)
    assert status["behind"] == 0 and status["ahead"] == 0 and status["branch"] == "main"
    assert client.get(f"{API}/projects/{pid}", headers=tenant.headers).json()["project"]["last_commit"] == newest

    write_file(client, tenant, pid, "app.py", "local\n")
    client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers, json={"message": "local"})
    assert _status(client, tenant, pid)["ahead"] == 1
    _advance(origin, "v3\n")
    assert_error(client.post(f"{API}/projects/{pid}/repo/pull", headers=tenant.headers), 400, "git_pull_failed")
    assert (folder / "app.py").read_text() == "local\n"


def test_pull_without_an_upstream_fails(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    assert_error(client.post(f"{API}/projects/{project['id']}/repo/pull", headers=tenant.headers), 400, "git_pull_failed")


def test_branch_names_and_commit_paths_cannot_leave_the_repository(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    for branch in ("../../config", "../HEAD", "a..b"):
        assert_error(client.post(f"{API}/projects/{pid}/repo/checkout", headers=tenant.headers, json={"branch": branch}),
                     400, "git_checkout_failed")
    assert_error(client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers,
                             json={"message": "m", "paths": ["../../etc/passwd"]}), 400, "invalid_path")
    assert_error(client.post(f"{API}/projects/{pid}/repo/commit", headers=tenant.headers,
                             json={"message": "m", "paths": ["never-existed.txt"]}), 400, "git_commit_failed")


def test_a_folder_that_is_no_repository_says_so(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    folder = folder_of(client, project)
    for child in sorted((folder / ".git").rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    (folder / ".git").rmdir()
    assert_error(client.get(f"{API}/projects/{project['id']}/repo/status", headers=tenant.headers), 400,
                 "repo_not_available")
