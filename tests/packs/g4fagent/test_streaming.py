"""Run events over Server-Sent Events: live while a run goes on (a real server), replay from a cursor, stable ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import LiveServer
from tests.packs.g4fagent.conftest import API, Tenant, assert_error


def _session(http: Any, tenant: Tenant) -> str:
    pid = http.post(f"{API}/projects", headers=tenant.headers, json={"name": "stream"}).json()["project"]["id"]
    return str(http.post(f"{API}/projects/{pid}/sessions", headers=tenant.headers, json={"title": "s"}).json()["session"]["id"])


def _start_run(http: Any, tenant: Tenant, sid: str, words: str) -> str:
    asked = http.post(f"{API}/sessions/{sid}/messages", headers=tenant.headers,
                      json={"role": "user", "content": [{"type": "text", "text": words}]}).json()["message_id"]
    response = http.post(f"{API}/sessions/{sid}/runs", headers=tenant.headers,
                         json={"mode": "chat", "agent": {}, "input": {"message_id": asked}})
    assert response.status_code == 200, response.text
    return str(response.json()["run_id"])


def _frames(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """SSE events as ``{id, event, data}`` (comments as ``{"comment": ...}``), as they arrive."""
    frame: dict[str, Any] = {}
    for line in lines:
        if not line:
            if frame:
                yield frame
            frame = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            key, _, value = line.partition(": ")
            frame[key] = json.loads(value) if key == "data" else int(value) if key == "id" else value
    if frame:
        yield frame


def _parse(body: str) -> list[dict[str, Any]]:
    return list(_frames(iter(body.split("\n"))))


def test_events_arrive_while_the_run_goes_on_and_the_stream_ends_with_it(live_twin: LiveServer, live_tenant: Tenant) -> None:
    with live_twin.http() as http:
        sid = _session(http, live_tenant)
        rid = _start_run(http, live_tenant, sid, "Add a --verbose flag to cli.py")
        with http.stream("GET", f"{API}/stream/sessions/{sid}", params={"run_id": rid}, headers=live_tenant.headers) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert stream.headers["cache-control"] == "no-cache" and stream.headers["x-accel-buffering"] == "no"
            frames = _frames(stream.iter_lines())
            first = next(frames)
            assert first["id"] == 0 and first["event"] == "status" and first["data"]["data"]["status"] == "queued"
            # The stream is open and the run not finished: what comes next has not happened yet.
            assert http.get(f"{API}/runs/{rid}", headers=live_tenant.headers).json()["run"]["status"] in ("queued", "running")
            assert http.post("/_twinstack/clock/advance", json={"seconds": 120}).status_code == 200
            rest = [f for f in frames if "comment" not in f]
        run = http.get(f"{API}/runs/{rid}", headers=live_tenant.headers).json()["run"]
    events = [first, *rest]
    assert [f["id"] for f in events] == list(range(len(events)))
    assert [f["data"]["data"].get("status") for f in events if f["event"] == "status"] == ["queued", "running", "completed"]
    assert events[-1]["event"] == "status", "the stream closes after the terminal status"
    for f in events:
        assert f["data"]["type"] == f["event"] == f["data"]["data"]["type"] and f["data"]["ts"] == f["data"]["data"]["ts"]
    text = "".join(f["data"]["data"]["text"] for f in events if f["event"] == "token")
    assert run["status"] == "completed" and text == run["result"]["summary"] and "cli.py" in text


def _finished_session(client: TestClient, tenant: Tenant, runs: int) -> tuple[str, list[str]]:
    sid = _session(client, tenant)
    rids = [_start_run(client, tenant, sid, f"question number {i}") for i in range(runs)]
    assert client.post("/_twinstack/clock/advance", json={"seconds": 60}).status_code == 200
    return sid, rids


def test_a_finished_session_replays_its_log_and_closes(client: TestClient, tenant: Tenant) -> None:
    sid, (rid,) = _finished_session(client, tenant, 1)
    response = client.get(f"{API}/stream/sessions/{sid}", headers=tenant.headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    frames = _parse(response.text)
    listed = client.get(f"{API}/runs/{rid}/events", headers=tenant.headers, params={"limit": 200}).json()["items"]
    assert [f["data"]["data"] for f in frames] == listed
    assert [f["id"] for f in frames] == list(range(len(listed)))
    tail = _parse(client.get(f"{API}/stream/sessions/{sid}", headers=tenant.headers, params={"from_cursor": 3}).text)
    assert [f["id"] for f in tail] == list(range(3, len(listed)))
    resumed = _parse(client.get(f"{API}/stream/sessions/{sid}", headers={**tenant.headers, "Last-Event-ID": "3"}).text)
    assert [f["id"] for f in resumed] == list(range(4, len(listed)))


def test_ids_stay_stable_when_runs_share_a_session(client: TestClient, tenant: Tenant) -> None:
    sid, (first, second) = _finished_session(client, tenant, 2)
    whole = _parse(client.get(f"{API}/stream/sessions/{sid}", headers=tenant.headers).text)
    assert [f["id"] for f in whole] == list(range(len(whole)))
    of_second = _parse(client.get(f"{API}/stream/sessions/{sid}", headers=tenant.headers, params={"run_id": second}).text)
    listed = client.get(f"{API}/runs/{second}/events", headers=tenant.headers, params={"limit": 200}).json()["items"]
    assert [f["data"]["data"] for f in of_second] == listed and [f["id"] for f in of_second] == list(range(len(listed)))
    # The session's log keeps every event of both runs once, at the index it was given.
    assert sorted(json.dumps(f["data"]["data"], sort_keys=True) for f in whole) == sorted(
        json.dumps(e, sort_keys=True) for rid in (first, second)
        for e in client.get(f"{API}/runs/{rid}/events", headers=tenant.headers, params={"limit": 200}).json()["items"])


def test_a_session_without_events_sends_one_keep_alive(client: TestClient, tenant: Tenant) -> None:
    sid = _session(client, tenant)
    response = client.get(f"{API}/stream/sessions/{sid}", headers=tenant.headers)
    assert response.status_code == 200 and response.text == ": keep-alive\n\n"


def test_a_run_of_another_session_or_unknown_session_is_404(client: TestClient, tenant: Tenant) -> None:
    _, (rid,) = _finished_session(client, tenant, 1)
    sid = _session(client, tenant)
    assert_error(client.get(f"{API}/stream/sessions/{sid}", headers=tenant.headers, params={"run_id": rid}), 404, "run_not_found")
    assert_error(client.get(f"{API}/stream/sessions/sess_0000000000000000", headers=tenant.headers), 404, "session_not_found")
    assert_error(client.get(f"{API}/stream/sessions/{sid}", headers={**tenant.headers, "Last-Event-ID": "x"}),
                 400, "invalid_request", "Last-Event-ID")


def test_the_stream_needs_a_token(client: TestClient, tenant: Tenant) -> None:
    sid = _session(client, tenant)
    assert_error(client.get(f"{API}/stream/sessions/{sid}"), 401, "unauthorized")
