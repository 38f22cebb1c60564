"""ODIN SSE against a real ``twinstack serve`` (two worker processes): events as they happen, and replay."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from tests.conftest import tenant_credentials

API = "/odin/api"


def _read_until(response: httpx.Response, wanted: int, seen: list[dict[str, str]], lines: list[str]) -> None:
    frame: dict[str, str] = {}
    for line in response.iter_lines():
        lines.append(line)
        if line == "":
            if "id" in frame:
                seen.append(frame)
                if len(seen) >= wanted:
                    return
            frame = {}
        elif not line.startswith(":") and ":" in line:
            name, _, value = line.partition(":")
            frame[name] = value.lstrip(" ")


def test_stream_delivers_events_as_they_happen_and_replays(make_server: Any) -> None:
    server = make_server("--speed", "fast", "--services", "odin", "--workers", "2")
    with server.http() as http:
        creds = tenant_credentials(http)["credentials"]["odin"]
        headers = {"X-API-Key": creds["api_key"]}
        project = http.get(f"{API}/projects", headers=headers).json()[0]["id"]
        people = f"{API}/projects/{project}/participants"
        seen: list[dict[str, str]] = []
        lines: list[str] = []
        made: dict[str, Any] = {}

        def later() -> None:
            # Made once the stream is open and idle (after a heartbeat), possibly by the other worker.
            time.sleep(2.0)
            with server.http() as other:
                made["first"] = other.post(people, headers=headers, json={"externalUserId": "live-1"}).json()
                made["second"] = other.post(people, headers=headers, json={"externalUserId": "live-2"}).json()

        writer = threading.Thread(target=later)
        opened = time.monotonic()
        with httpx.stream("GET", f"{server.url}{API}/projects/{project}/events/stream", headers=headers,
                          params={"types": "participant.*"}, timeout=20) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache"
            writer.start()
            _read_until(response, 2, seen, lines)
        writer.join()
        assert time.monotonic() - opened < 15, "the events came while the stream was open, not at its end"
        assert ": heartbeat" in lines, "an idle stream sends comment heartbeats"
        assert [f["event"] for f in seen] == ["participant.created", "participant.created"]
        first = json.loads(seen[0]["data"])
        assert first["payload"]["data"]["id"] == made["first"]["id"] and first["projectId"] == project
        assert seen[0]["id"] == first["id"]

        replayed: list[dict[str, str]] = []
        with httpx.stream("GET", f"{server.url}{API}/events/stream", timeout=20,
                          headers={**headers, "Last-Event-ID": seen[0]["id"]}) as response:
            _read_until(response, 1, replayed, [])
        assert replayed[0]["id"] == seen[1]["id"]
