"""State survives a restart of ``twinstack serve`` and a ``kill -9``, on SQLite and PostgreSQL.

The server mounts only ``tests/data/notes.openapi.yaml``, a small generic
document, so these tests depend on the engine and the store alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.store.notes_api import SERVE_ARGS
from tests.store.pg import scratch_database



@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with scratch_database("twinstack_durability") as url:
        yield url


def default_key(http: httpx.Client) -> str:
    response = http.get("/_twinstack/tenants/default")
    assert response.status_code == 200, response.text
    return str(response.json()["credentials"]["notes"]["api_key"])


def create_note(http: httpx.Client, key: str, title: str) -> dict[str, Any]:
    response = http.post("/notes/notes", json={"title": title, "body": f"body of {title}"}, headers={"X-API-Key": key})
    assert response.status_code == 201, response.text
    return dict(response.json())


def list_notes(http: httpx.Client, key: str) -> list[dict[str, Any]]:
    response = http.get("/notes/notes", headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    return list(response.json())


def test_resources_tenants_and_credentials_survive_a_restart(make_server: Any) -> None:
    server = make_server(*SERVE_ARGS)
    with server.http() as http:
        key = default_key(http)
        notes = [create_note(http, key, f"note {n}") for n in range(5)]
        assert http.delete(f"/notes/notes/{notes[2]['id']}", headers={"X-API-Key": key}).status_code == 204
        created = http.post("/_twinstack/tenants", json={"name": "survivor"})
        assert created.status_code == 201, created.text
        tenant = created.json()
        tenant_key = tenant["credentials"]["notes"]["api_key"]
        tenant_note = create_note(http, tenant_key, "tenant note")
    server.restart()
    with server.http() as http:
        assert default_key(http) == key
        assert list_notes(http, key) == [notes[0], notes[1], notes[3], notes[4]]
        assert http.get(f"/notes/notes/{notes[0]['id']}", headers={"X-API-Key": key}).json() == notes[0]
        assert http.get(f"/notes/notes/{notes[2]['id']}", headers={"X-API-Key": key}).status_code == 404
        assert create_note(http, key, "after restart")["title"] == "after restart"
        assert [n["title"] for n in list_notes(http, key)][-1] == "after restart"

        again = http.get(f"/_twinstack/tenants/{tenant['id']}")
        assert again.status_code == 200
        assert again.json() == tenant
        assert list_notes(http, tenant_key) == [tenant_note]
        assert http.get("/notes/notes", headers={"X-API-Key": "key_not_issued"}).status_code == 401


def _create_until_killed(server: Any, key: str, wanted: int, threads: int = 4) -> list[dict[str, Any]]:
    """Create notes from several threads; SIGKILL the server the moment ``wanted`` are acknowledged.

    Requests still in flight at that moment fail; only acknowledged ones are returned.
    """
    acknowledged: list[dict[str, Any]] = []
    lock = threading.Lock()
    enough = threading.Event()

    def send(worker: int) -> None:
        with server.http() as http:
            for n in range(wanted):
                if enough.is_set():
                    return
                try:
                    response = http.post(
                        "/notes/notes", json={"title": f"w{worker}-{n}", "body": "x" * (n % 50)},
                        headers={"X-API-Key": key}, timeout=30,
                    )
                except httpx.HTTPError:
                    return
                if response.status_code != 201:
                    return
                with lock:
                    acknowledged.append(response.json())
                    if len(acknowledged) >= wanted:
                        enough.set()

    senders = [threading.Thread(target=send, args=(w,)) for w in range(threads)]
    for sender in senders:
        sender.start()
    assert enough.wait(timeout=120), f"only {len(acknowledged)} creates were acknowledged"
    server.kill()
    for sender in senders:
        sender.join(timeout=60)
    with lock:
        return list(acknowledged)


@pytest.mark.parametrize("backend", [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)])
def test_every_acknowledged_create_survives_kill_9(make_server: Any, backend: str, request: pytest.FixtureRequest) -> None:
    args: tuple[str, ...] = SERVE_ARGS
    if backend == "postgres":
        args += ("--database-url", request.getfixturevalue("pg_url"))
    server = make_server(*args)
    with server.http() as http:
        key = default_key(http)
    acknowledged = _create_until_killed(server, key, wanted=200)
    assert len(acknowledged) >= 200
    server.start()
    with server.http() as http:
        stored = {note["id"]: note for note in list_notes(http, key)}
    missing = [note for note in acknowledged if stored.get(note["id"]) != note]
    assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged notes lost or changed"
