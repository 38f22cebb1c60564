"""Workflows: create, acyclic graphs, runs that execute tool nodes in order and read like other runs."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.packs.g4fagent.conftest import API, Tenant, assert_error


def _workflow(client: TestClient, tenant: Tenant) -> tuple[str, str]:
    pid = str(client.post(f"{API}/projects", headers=tenant.headers, json={"name": "wf"}).json()["project"]["id"])
    made = client.post(f"{API}/projects/{pid}/workflows", headers=tenant.headers, json={"name": "Build", "tags": ["ci"]})
    assert made.status_code == 200, made.text
    return pid, str(made.json()["workflow_id"])


def test_create_read_and_list(client: TestClient, tenant: Tenant) -> None:
    pid, wid = _workflow(client, tenant)
    workflow = client.get(f"{API}/workflows/{wid}", headers=tenant.headers).json()["workflow"]
    assert workflow["id"] == wid and workflow["project_id"] == pid and workflow["graph"] == {"nodes": [], "edges": []}
    assert workflow["name"] == "Build" and workflow["tags"] == ["ci"]
    assert [w["id"] for w in client.get(f"{API}/projects/{pid}/workflows", headers=tenant.headers).json()["items"]] == [wid]
    assert_error(client.get(f"{API}/workflows/wf_0000000000000000", headers=tenant.headers), 404, "workflow_not_found")


def test_graphs_must_be_acyclic_and_join_known_nodes(client: TestClient, tenant: Tenant) -> None:
    _, wid = _workflow(client, tenant)
    cycle = {"nodes": [{"id": "a"}, {"id": "b"}], "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}]}
    assert_error(client.put(f"{API}/workflows/{wid}", headers=tenant.headers, json={"graph": cycle}), 400, "invalid_request",
                 "graph.edges")
    dangling = {"nodes": [{"id": "a"}], "edges": [{"from": "a", "to": "z"}]}
    assert_error(client.put(f"{API}/workflows/{wid}", headers=tenant.headers, json={"graph": dangling}), 400, "invalid_request",
                 "graph.edges[0]")
    twice = {"nodes": [{"id": "a"}, {"id": "a"}], "edges": []}
    assert_error(client.put(f"{API}/workflows/{wid}", headers=tenant.headers, json={"graph": twice}), 400, "invalid_request",
                 "graph.nodes[1].id")
    assert client.get(f"{API}/workflows/{wid}", headers=tenant.headers).json()["workflow"]["graph"] == {"nodes": [], "edges": []}


def test_a_run_executes_the_tool_nodes_in_order(client: TestClient, tenant: Tenant) -> None:
    pid, wid = _workflow(client, tenant)
    graph = {"nodes": [{"id": "read", "type": "tool", "tool": "read_file", "args": {"path": "out.txt"}},
                       {"id": "write", "type": "tool", "tool": "write_file", "args": {"path": "out.txt"}},
                       {"id": "note", "type": "comment"}],
             "edges": [{"from": "write", "to": "read"}]}
    assert client.put(f"{API}/workflows/{wid}", headers=tenant.headers, json={"graph": graph}).json() == {"ok": True}
    made = client.post(f"{API}/workflows/{wid}/runs", headers=tenant.headers, json={"inputs": {"write": {"content": "built"}}})
    rid = made.json()["run_id"]
    run = client.get(f"{API}/runs/{rid}", headers=tenant.headers).json()["run"]
    assert run["status"] == "completed" and run["progress"] == 1.0 and run["session_id"] == f"workflow:{wid}"
    assert run["result"]["summary"] == "Workflow 'Build' executed." and run["usage"]["output_tokens"] == 0
    assert [(n["id"], n["ok"]) for n in run["result"]["nodes"]] == [("write", True), ("note", True), ("read", True)]
    assert run["result"]["nodes"][2]["result"]["content"] == "built"
    content = client.get(f"{API}/projects/{pid}/files/content", headers=tenant.headers, params={"path": "out.txt"})
    assert content.status_code == 200 and "built" in content.text
    events = client.get(f"{API}/runs/{rid}/events", headers=tenant.headers).json()["items"]
    assert [(e["type"], e["status"]) for e in events] == [("status", "completed")]
    assert_error(client.get(f"{API}/stream/sessions/workflow:{wid}", headers=tenant.headers), 404, "session_not_found")
    assert_error(client.post(f"{API}/workflows/{wid}/runs", headers=tenant.headers, json={"inputs": 3}), 400,
                 "invalid_request", "inputs")
