"""Messages and agent runs: ids, order, time filters, the run lifecycle on the twin clock, failures, cancel."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API, Tenant, assert_error, login


def _session(client: TestClient, tenant: Tenant) -> tuple[str, str]:
    pid = client.post(f"{API}/projects", headers=tenant.headers, json={"name": "agent"}).json()["project"]["id"]
    sid = client.post(f"{API}/projects/{pid}/sessions", headers=tenant.headers, json={"title": "s"}).json()["session"]["id"]
    return str(pid), str(sid)


def _say(client: TestClient, tenant: Tenant, sid: str, words: str, role: str = "user") -> str:
    response = client.post(f"{API}/sessions/{sid}/messages", headers=tenant.headers,
                           json={"role": role, "content": [{"type": "text", "text": words}]})
    assert response.status_code == 200, response.text
    return str(response.json()["message_id"])


def _run(client: TestClient, tenant: Tenant, sid: str, run_input: dict[str, Any], **agent: Any) -> str:
    response = client.post(f"{API}/sessions/{sid}/runs", headers=tenant.headers,
                           json={"mode": "chat", "agent": agent, "input": run_input})
    assert response.status_code == 200, response.text
    return str(response.json()["run_id"])


def _advance(client: TestClient, seconds: float = 60) -> None:
    assert client.post("/_twinstack/clock/advance", json={"seconds": seconds}).status_code == 200


def _events(client: TestClient, tenant: Tenant, rid: str) -> list[dict[str, Any]]:
    body = client.get(f"{API}/runs/{rid}/events", headers=tenant.headers, params={"limit": 200}).json()
    items: list[dict[str, Any]] = body["items"]
    return items


def test_messages_get_ids_and_are_listed_in_order(client: TestClient, tenant: Tenant) -> None:
    _, sid = _session(client, tenant)
    first, second = _say(client, tenant, sid, "one"), _say(client, tenant, sid, "two", role="assistant")
    assert re.fullmatch(r"msg_[0-9a-f]{16}", first) and first != second
    items = client.get(f"{API}/sessions/{sid}/messages", headers=tenant.headers).json()["items"]
    assert [(m["id"], m["role"], m["content"][0]["text"]) for m in items] == [(first, "user", "one"), (second, "assistant", "two")]
    assert all(m["session_id"] == sid and m["ts"].endswith("+00:00") for m in items)


def test_message_time_bounds_are_exclusive(client: TestClient, tenant: Tenant) -> None:
    _, sid = _session(client, tenant)
    early = _say(client, tenant, sid, "early")
    _advance(client, 10)
    late = _say(client, tenant, sid, "late")
    stamps = {m["id"]: m["ts"] for m in client.get(f"{API}/sessions/{sid}/messages", headers=tenant.headers).json()["items"]}
    after = client.get(f"{API}/sessions/{sid}/messages", headers=tenant.headers, params={"after_ts": stamps[early]}).json()
    before = client.get(f"{API}/sessions/{sid}/messages", headers=tenant.headers,
                        params={"before_ts": stamps[late].replace("+00:00", "Z")}).json()
    assert [m["id"] for m in after["items"]] == [late]
    assert [m["id"] for m in before["items"]] == [early]
    bad = client.get(f"{API}/sessions/{sid}/messages", headers=tenant.headers, params={"after_ts": "yesterday"})
    assert_error(bad, 400, "invalid_request", "after_ts")


def test_a_time_window_pages_like_the_whole_list(client: TestClient, tenant: Tenant) -> None:
    _, sid = _session(client, tenant)
    said = []
    for minute in range(5):
        said.append([_say(client, tenant, sid, f"m{minute}-{i}") for i in range(3)])
        _advance(client, 60)
    stamps = {m["id"]: m["ts"] for m in client.get(f"{API}/sessions/{sid}/messages", headers=tenant.headers).json()["items"]}
    window = {"after_ts": stamps[said[0][0]], "before_ts": stamps[said[4][0]]}
    first = client.get(f"{API}/sessions/{sid}/messages", headers=tenant.headers, params={**window, "limit": 5}).json()
    rest = client.get(f"{API}/sessions/{sid}/messages", headers=tenant.headers,
                      params={**window, "limit": 5, "cursor": first["next_cursor"]}).json()
    assert first["next_cursor"] == "5" and rest["next_cursor"] is None
    assert [m["id"] for m in first["items"] + rest["items"]] == [i for group in said[1:4] for i in group]
    assert client.get(f"{API}/sessions/{sid}/messages", headers=tenant.headers,
                      params={"after_ts": stamps[said[4][2]]}).json()["items"] == []


def test_message_content_must_be_an_array_of_items(client: TestClient, tenant: Tenant) -> None:
    _, sid = _session(client, tenant)
    text = client.post(f"{API}/sessions/{sid}/messages", headers=tenant.headers, json={"role": "user", "content": "hi"})
    assert_error(text, 400, "invalid_request", "content")
    untyped = client.post(f"{API}/sessions/{sid}/messages", headers=tenant.headers, json={"role": "user", "content": [{"text": "x"}]})
    assert_error(untyped, 400, "invalid_request", "content[0].type")
    no_role = client.post(f"{API}/sessions/{sid}/messages", headers=tenant.headers, json={"content": []})
    assert_error(no_role, 400, "invalid_request", "role")
    unknown = client.post(f"{API}/sessions/sess_0000000000000000/messages", headers=tenant.headers,
                          json={"role": "user", "content": []})
    assert_error(unknown, 404, "session_not_found")


def test_run_input_must_have_the_documented_types(client: TestClient, tenant: Tenant) -> None:
    _, sid = _session(client, tenant)
    for body, field in (({"agent": {}, "input": {}}, "mode"), ({"mode": "chat", "agent": "x", "input": {}}, "agent"),
                        ({"mode": "chat", "agent": {}, "input": []}, "input")):
        assert_error(client.post(f"{API}/sessions/{sid}/runs", headers=tenant.headers, json=body), 400, "invalid_request", field)


def test_a_run_answers_the_message_when_the_clock_moves(client: TestClient, tenant: Tenant) -> None:
    pid, sid = _session(client, tenant)
    asked = _say(client, tenant, sid, "Please rename the helper in src/app.py")
    rid = _run(client, tenant, sid, {"message_id": asked}, instructions="Be brief.")
    _advance(client)
    run = client.get(f"{API}/runs/{rid}", headers=tenant.headers).json()["run"]
    assert run["status"] == "completed" and run["progress"] == 1.0 and run["session_id"] == sid
    assert run["started_at"] and run["ended_at"] and "_request" not in run and "input" not in run
    events = _events(client, tenant, rid)
    statuses = [(e["status"], e["progress"]) for e in events if e["type"] == "status"]
    assert statuses[0] == ("queued", 0.0) and statuses[1] == ("running", 0.05) and statuses[-1] == ("completed", 1.0)
    tokens = [e for e in events if e["type"] == "token"]
    assert len(tokens) >= 2, "the answer arrives in several token events"
    answer = "".join(t["text"] for t in tokens)
    assert "src/app.py" in answer and "rename the helper" in answer
    reply = run["result"]["message_id"]
    assert {t["message_id"] for t in tokens} == {reply} and run["result"]["summary"] == answer
    assert run["result"]["diff_ids"] == []
    assert run["usage"] == {"input_tokens": 6 + 2, "output_tokens": len(answer.split()), "cost_usd": 0}
    messages = client.get(f"{API}/sessions/{sid}/messages", headers=tenant.headers).json()["items"]
    assert [m["id"] for m in messages] == [asked, reply]
    assert messages[1]["role"] == "assistant" and messages[1]["content"] == [{"type": "text", "text": answer}]
    audit = client.get(f"{API}/audit", headers=tenant.headers, params={"type": "run.completed"}).json()["items"]
    assert [(a["actor_user_id"], a["project_id"], a["data"]["run_id"]) for a in audit] == [("system", pid, rid)]
    assert client.get(f"{API}/projects/{pid}", headers=tenant.headers).json()["project"]["stats"]["runs_24h"] == 1
    _advance(client, 86_400)
    # A day later the run no longer counts (and the access token has long expired: log in again).
    fresh = {"Authorization": f"Bearer {login(client, tenant.email, tenant.password)['access_token']}"}
    assert client.get(f"{API}/projects/{pid}", headers=fresh).json()["project"]["stats"]["runs_24h"] == 0


def test_the_same_prompt_gets_the_same_answer(client: TestClient, tenant: Tenant) -> None:
    answers = []
    for _ in range(2):
        _, sid = _session(client, tenant)
        rid = _run(client, tenant, sid, {"message_id": _say(client, tenant, sid, "Explain the retry loop in worker.py")})
        _advance(client)
        answers.append(client.get(f"{API}/runs/{rid}", headers=tenant.headers).json()["run"]["result"]["summary"])
    _, sid = _session(client, tenant)
    other = _run(client, tenant, sid, {"message_id": _say(client, tenant, sid, "Something else entirely")})
    _advance(client)
    assert answers[0] == answers[1]
    assert client.get(f"{API}/runs/{other}", headers=tenant.headers).json()["run"]["result"]["summary"] != answers[0]


def test_an_unknown_message_id_fails_the_run(client: TestClient, tenant: Tenant) -> None:
    _, sid = _session(client, tenant)
    rid = _run(client, tenant, sid, {"message_id": "msg_0000000000000000"})
    _advance(client)
    run = client.get(f"{API}/runs/{rid}", headers=tenant.headers).json()["run"]
    assert run["status"] == "failed" and run["result"] is None
    events = _events(client, tenant, rid)
    assert {"code": "run_failed", "message": "Input message_id was not found."} in [e.get("error") for e in events]
    assert events[-1]["type"] == "status" and events[-1]["status"] == "failed"
    notes = client.get(f"{API}/notifications", headers=tenant.headers).json()["items"]
    assert notes[0]["title"] == "Run failed" and rid in notes[0]["body"] and notes[0]["acked"] is False
    outbox = client.get("/_twinstack/outbox", params={"channel": "notification"}).json()["messages"]
    assert any(m["metadata"].get("run_id") == rid for m in outbox)


def test_cancel_ends_a_live_run_and_leaves_finished_ones(make_client: Any) -> None:
    client = make_client(speed="realistic")
    made = tenant_credentials(client)["credentials"]["g4fagent"]
    tokens = login(client, made["email"], made["password"])
    tenant = Tenant("t", made["email"], made["password"], tokens["access_token"], tokens["refresh_token"])
    _, sid = _session(client, tenant)
    rid = _run(client, tenant, sid, {"text": "hello"})
    assert client.post(f"{API}/runs/{rid}/cancel", headers=tenant.headers).json() == {"ok": True}
    _advance(client)
    run = client.get(f"{API}/runs/{rid}", headers=tenant.headers).json()["run"]
    assert run["status"] == "canceled" and run["ended_at"]
    assert [e["status"] for e in _events(client, tenant, rid)] == ["queued", "canceled"]
    done = _run(client, tenant, sid, {"text": "hello"})
    _advance(client)
    assert client.post(f"{API}/runs/{done}/cancel", headers=tenant.headers).json() == {"ok": True}
    assert client.get(f"{API}/runs/{done}", headers=tenant.headers).json()["run"]["status"] == "completed"
    assert_error(client.post(f"{API}/runs/run_0000000000000000/cancel", headers=tenant.headers), 404, "run_not_found")


def test_runs_and_messages_of_another_tenant_are_not_found(client: TestClient, tenant: Tenant) -> None:
    _, sid = _session(client, tenant)
    rid = _run(client, tenant, sid, {"text": "secret"})
    made = tenant_credentials(client)["credentials"]["g4fagent"]
    other = {"Authorization": f"Bearer {login(client, made['email'], made['password'])['access_token']}"}
    assert_error(client.get(f"{API}/runs/{rid}", headers=other), 404, "run_not_found")
    assert_error(client.get(f"{API}/runs/{rid}/events", headers=other), 404, "run_not_found")
    assert_error(client.get(f"{API}/sessions/{sid}/messages", headers=other), 404, "session_not_found")
    assert_error(client.get(f"{API}/stream/sessions/{sid}", headers=other), 404, "session_not_found")


def test_a_run_asked_for_a_replacement_proposes_a_real_diff(client: TestClient, tenant: Tenant) -> None:
    pid, sid = _session(client, tenant)
    client.put(f"{API}/projects/{pid}/files/content", headers=tenant.headers,
               json={"path": "src/app.py", "text": "greeting = 'hello'\nprint(greeting)\n"})
    asked = _say(client, tenant, sid, "Please replace 'hello' with 'hi there' in src/app.py")
    rid = _run(client, tenant, sid, {"message_id": asked})
    _advance(client)
    run = client.get(f"{API}/runs/{rid}", headers=tenant.headers).json()["run"]
    (diff_id,) = run["result"]["diff_ids"]
    assert diff_id in run["result"]["summary"]
    diff = client.get(f"{API}/diffs/{diff_id}", headers=tenant.headers).json()["diff"]
    assert diff["status"] == "open" and diff["project_id"] == pid and diff["stats"] == {"added": 1, "removed": 1}
    assert [f["path"] for f in diff["files"]] == ["src/app.py"]
    unchanged = client.get(f"{API}/projects/{pid}/files/content", headers=tenant.headers, params={"path": "src/app.py"})
    assert "'hello'" in unchanged.text, "a proposed diff changes nothing until it is applied"
    assert client.post(f"{API}/diffs/{diff_id}/apply", headers=tenant.headers, json={}).json()["ok"] is True
    applied = client.get(f"{API}/projects/{pid}/files/content", headers=tenant.headers, params={"path": "src/app.py"})
    assert "greeting = 'hi there'" in applied.text
    # Nothing to replace: no diff.
    other = _run(client, tenant, sid, {"message_id": _say(client, tenant, sid, "replace 'absent' with 'x' in src/app.py")})
    _advance(client)
    assert client.get(f"{API}/runs/{other}", headers=tenant.headers).json()["run"]["result"]["diff_ids"] == []
