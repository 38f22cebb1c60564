"""Tools: built-in file tools on a real workspace behind the path guard, HTTP tools, Python tools refused."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API, Tenant, assert_error, login


def _invoke(client: TestClient, tenant: Tenant, tool: str, args: dict[str, Any], **context: str) -> dict[str, Any]:
    response = client.post(f"{API}/tools/{tool}/invoke", headers=tenant.headers, json={"args": args, "context": context})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_built_ins_are_listed_first(client: TestClient, tenant: Tenant) -> None:
    items = client.get(f"{API}/tools", headers=tenant.headers).json()["items"]
    assert [t["id"] for t in items] == ["list_dir", "read_file", "write_file", "delete_file", "apply_patch"]
    assert items[0]["scope"] == "global" and items[0]["description"] == "Built-in tool: list_dir"
    assert items[0]["schema"] == {"type": "object", "additionalProperties": True}
    assert_error(client.delete(f"{API}/tools/read_file", headers=tenant.headers), 404, "tool_not_found")


def test_file_tools_work_in_the_project_workspace(client: TestClient, tenant: Tenant) -> None:
    pid = client.post(f"{API}/projects", headers=tenant.headers, json={"name": "tools"}).json()["project"]["id"]
    wrote = _invoke(client, tenant, "write_file", {"path": "notes/a.txt", "content": "alpha\nbeta\n"}, project_id=pid)
    assert wrote["ok"] is True
    read = client.get(f"{API}/projects/{pid}/files/content", headers=tenant.headers, params={"path": "notes/a.txt"}).json()
    assert "alpha\nbeta\n" in json.dumps(read).replace("\\n", "\n")
    again = _invoke(client, tenant, "write_file", {"path": "notes/a.txt", "content": "x"}, project_id=pid)
    assert again["ok"] is False and "exists" in again["result"]["error"]
    patched = _invoke(client, tenant, "apply_patch", {"path": "notes/a.txt", "diff": "@@ -1,2 +1,2 @@\n alpha\n-beta\n+gamma\n"},
                      project_id=pid)
    assert patched["ok"] is True
    assert _invoke(client, tenant, "read_file", {"path": "notes/a.txt"}, project_id=pid)["result"]["content"] == "alpha\ngamma\n"
    stale = _invoke(client, tenant, "apply_patch", {"path": "notes/a.txt", "diff": "@@ -1 +1 @@\n-nothing\n+x\n"}, project_id=pid)
    assert stale["ok"] is False
    listed = _invoke(client, tenant, "list_dir", {"path": "notes"}, project_id=pid)["result"]["entries"]
    assert [e["path"] for e in listed] == ["notes/a.txt"]
    assert _invoke(client, tenant, "delete_file", {"path": "notes/a.txt"}, project_id=pid)["ok"] is True
    assert _invoke(client, tenant, "read_file", {"path": "notes/a.txt"}, project_id=pid)["ok"] is False


def test_paths_outside_the_workspace_are_refused(client: TestClient, tenant: Tenant) -> None:
    for path in ("../../etc/passwd", "/etc/passwd", "..%2F..%2Fetc%2Fpasswd"):
        outcome = _invoke(client, tenant, "read_file", {"path": path})
        assert outcome["ok"] is False and outcome["result"]["code"] == "invalid_path"
        assert "root:" not in json.dumps(outcome)
    written = _invoke(client, tenant, "write_file", {"path": "../escape.txt", "content": "x"})
    assert written["ok"] is False and written["result"]["code"] == "invalid_path"


def test_without_a_project_tools_use_the_tenants_scratch_folder(client: TestClient, tenant: Tenant) -> None:
    assert _invoke(client, tenant, "write_file", {"path": "s.txt", "content": "mine"})["ok"] is True
    creds = tenant_credentials(client)["credentials"]["g4fagent"]
    tokens = login(client, creds["email"], creds["password"])
    other = Tenant("o", creds["email"], creds["password"], tokens["access_token"], "")
    assert _invoke(client, other, "read_file", {"path": "s.txt"})["ok"] is False
    assert _invoke(client, tenant, "read_file", {"path": "s.txt"})["result"]["content"] == "mine"
    missing = client.post(f"{API}/tools/read_file/invoke", headers=tenant.headers,
                          json={"args": {"path": "s.txt"}, "context": {"project_id": "proj_0000000000000000"}})
    assert_error(missing, 404, "project_not_found")


@pytest.fixture
def echo_url() -> Iterator[str]:
    """A loopback HTTP endpoint that answers the JSON it was sent, wrapped."""

    class Echo(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            sent = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            body = json.dumps({"echo": sent, "header": self.headers.get("X-Tool")}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_created_tools_http_runs_python_is_refused(client: TestClient, tenant: Tenant, echo_url: str) -> None:
    made = client.post(f"{API}/tools", headers=tenant.headers, json={
        "name": "echo", "scope": "project", "description": "Echoes", "schema": {"type": "object"},
        "handler": {"type": "http", "url": echo_url, "headers": {"X-Tool": "yes"}}}).json()
    assert made["tool_id"].startswith("tool_")
    assert _invoke(client, tenant, made["tool_id"], {"n": 1}) == {"ok": True, "result": {"echo": {"n": 1}, "header": "yes"}}
    python = client.post(f"{API}/tools", headers=tenant.headers, json={
        "name": "py", "scope": "global", "description": "d", "schema": {}, "handler": {"type": "python", "module": "os",
                                                                                         "fn": "system"}}).json()
    assert _invoke(client, tenant, python["tool_id"], {}) == {"ok": False, "result": {"error": "python handlers are disabled"}}
    assert _invoke(client, tenant, "nope", {}) == {"ok": False, "result": {"output": "Unknown tool: nope"}}
    listed = client.get(f"{API}/tools", headers=tenant.headers, params={"scope": "project"}).json()["items"]
    assert [t["id"] for t in listed] == [made["tool_id"]]
    assert [t["name"] for t in client.get(f"{API}/tools", headers=tenant.headers, params={"q": "echoes"}).json()["items"]] == ["echo"]
    assert client.delete(f"{API}/tools/{made['tool_id']}", headers=tenant.headers).json() == {"ok": True}
    assert_error(client.delete(f"{API}/tools/{made['tool_id']}", headers=tenant.headers), 404, "tool_not_found")
    bad = client.post(f"{API}/tools", headers=tenant.headers, json={"name": "x", "scope": "s", "description": "d", "schema": {}})
    assert_error(bad, 400, "invalid_request", "handler")
