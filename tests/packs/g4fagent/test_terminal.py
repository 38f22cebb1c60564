"""Terminal sessions: records, never a host shell; the sandboxed command set stays inside the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error, folder_of, make_project, write_file


def _open(client: TestClient, tenant: Tenant, pid: str, **body: Any) -> Any:
    return client.post(f"{API}/projects/{pid}/terminal/sessions", headers=tenant.headers, json={"shell": "bash", **body})


def _run(client: TestClient, tenant: Tenant, tid: str, command: str) -> dict[str, Any]:
    response = client.post("/_twinstack/g4fagent/terminal-run",
                           json={"tenant": tenant.id, "terminal_id": tid, "command": command})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_terminal_runs_the_sandboxed_commands_inside_the_workspace(client: TestClient, tenant: Tenant,
                                                                     tmp_path: Path) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    write_file(client, tenant, pid, "src/app.py", "import os\nprint('hi')\n")
    opened = _open(client, tenant, pid, cwd="src", env={"GREETING": "hello"})
    assert opened.status_code == 200, opened.text
    tid = opened.json()["terminal_id"]
    assert tid.startswith("term_")
    assert _run(client, tenant, tid, "pwd")["stdout"] == "/src\n"
    assert _run(client, tenant, tid, "ls")["stdout"] == "app.py\n"
    assert _run(client, tenant, tid, "cat app.py")["stdout"] == "import os\nprint('hi')\n"
    assert _run(client, tenant, tid, "echo $GREETING ${HOME}world")["stdout"] == "hello world\n"
    assert _run(client, tenant, tid, "grep -n print app.py")["stdout"] == "src/app.py:2:print('hi')\n"
    assert _run(client, tenant, tid, "mkdir -p ../build")["exit_code"] == 0
    assert _run(client, tenant, tid, "cd ../build")["cwd"] == "build"
    assert _run(client, tenant, tid, "touch out.txt")["exit_code"] == 0
    assert (folder_of(client, project) / "build" / "out.txt").is_file()

    (tmp_path / "secret.txt").write_text("host secret\n")
    for escape in ("cat ../../../secret.txt", f"cat {tmp_path}/secret.txt", "cd ../..", "cat ../.git/config"):
        result = _run(client, tenant, tid, escape)
        assert result["exit_code"] != 0 and "host secret" not in result["stdout"], escape
    for refused in ("cat /etc/passwd | head", "echo x > ../../../planted.txt", "ls; rm -r /", "echo $(id)", "bash"):
        result = _run(client, tenant, tid, refused)
        assert result["exit_code"] != 0 and result["stdout"] == "", refused
    assert not list(tmp_path.rglob("planted.txt"))
    assert "PATH=" not in _run(client, tenant, tid, "env")["stdout"]

    killed = client.post(f"{API}/projects/{pid}/terminal/{tid}/kill", headers=tenant.headers)
    assert killed.status_code == 200 and killed.json() == {"ok": True}
    assert "error" in _run(client, tenant, tid, "pwd")


def test_terminal_input_is_checked(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    assert_error(_open(client, tenant, pid, shell="fish"), 400, "invalid_request", "shell")
    assert_error(_open(client, tenant, pid, cwd="../.."), 400, "invalid_path")
    assert_error(_open(client, tenant, pid, cwd="missing"), 400, "invalid_request", "cwd")
    assert_error(_open(client, tenant, pid, env=["A=1"]), 400, "invalid_request", "env")
    assert_error(_open(client, tenant, "proj_0000000000000000"), 404, "project_not_found")
    # Kill ignores unknown terminals and the project in the path, as upstream.
    unknown = client.post(f"{API}/projects/proj_0000000000000000/terminal/term_0000000000000000/kill", headers=tenant.headers)
    assert unknown.status_code == 200 and unknown.json() == {"ok": True}


def test_running_terminals_are_capped_and_idle_ones_end(client: TestClient, tenant: Tenant) -> None:
    project = make_project(client, tenant)
    pid = project["id"]
    first = _open(client, tenant, pid).json()["terminal_id"]
    for _ in range(15):
        assert _open(client, tenant, pid).status_code == 200
    assert_error(_open(client, tenant, pid), 400, "invalid_request")
    client.post(f"{API}/projects/{pid}/terminal/{first}/kill", headers=tenant.headers)
    assert _open(client, tenant, pid).status_code == 200
    client.post("/_twinstack/clock/advance", json={"seconds": 1801})
    assert "error" in _run(client, tenant, first, "pwd")
    assert _open(client, tenant, pid).status_code == 200
