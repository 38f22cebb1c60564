"""The control plane's whole-state calls (export, reset, import, clock advance) and durable jobs.

The HTTP tests mount only ``tests/data/notes.openapi.yaml`` in process; the
scheduler tests drive ``twinstack.time.jobs.Scheduler`` over a real store,
closed and reopened as a restart would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.store.notes_api import NOTES_SPEC
from tests.store.pg import scratch_database
from twinstack.store import Job, Store, open_store
from twinstack.time.clock import Clock
from twinstack.time.jobs import Scheduler



@pytest.fixture
def notes(make_client: Any) -> TestClient:
    return make_client(specs=[NOTES_SPEC], services=[])  # type: ignore[no-any-return]


def _key(client: TestClient, tenant: str = "default") -> str:
    return str(client.get(f"/_twinstack/tenants/{tenant}").json()["credentials"]["notes"]["api_key"])


def _create(client: TestClient, key: str, title: str) -> dict[str, Any]:
    response = client.post("/notes/notes", json={"title": title}, headers={"X-API-Key": key})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _list(client: TestClient, key: str) -> list[dict[str, Any]]:
    response = client.get("/notes/notes", headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    return list(response.json())


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


# export, reset, import ---------------------------------------------------------------


def test_reset_then_import_of_an_export_brings_everything_back(notes: TestClient) -> None:
    default_key = _key(notes)
    kept = [_create(notes, default_key, f"kept {n}") for n in range(3)]
    tenant = notes.post("/_twinstack/tenants", json={"name": "second"}).json()
    tenant_key = tenant["credentials"]["notes"]["api_key"]
    tenant_note = _create(notes, tenant_key, "tenant's own")

    exported = notes.get("/_twinstack/state/export")
    assert exported.status_code == 200
    snapshot = exported.json()

    assert notes.post("/_twinstack/reset").status_code == 200
    assert _list(notes, default_key) == []
    assert notes.get(f"/_twinstack/tenants/{tenant['id']}").status_code == 404
    assert notes.get("/notes/notes", headers={"X-API-Key": tenant_key}).status_code == 401
    assert _key(notes) == default_key, "the default tenant comes back with the same credentials"

    imported = notes.post("/_twinstack/state/import", json=snapshot)
    assert imported.status_code == 200, imported.text
    assert _list(notes, default_key) == kept
    assert notes.get(f"/_twinstack/tenants/{tenant['id']}").json() == tenant
    assert _list(notes, tenant_key) == [tenant_note]
    after = _create(notes, default_key, "after import")
    assert _list(notes, default_key) == [*kept, after]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"format": "not-a-snapshot"}, "format"), ({}, "format")],
)
def test_import_of_something_else_is_a_400_naming_format(notes: TestClient, body: dict[str, Any], field: str) -> None:
    response = notes.post("/_twinstack/state/import", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert response.json()["field"] == field


def test_a_malformed_snapshot_is_a_400_and_changes_nothing(notes: TestClient) -> None:
    key = _key(notes)
    note = _create(notes, key, "stays")
    snapshot = notes.get("/_twinstack/state/export").json()
    snapshot["resources"][0] = snapshot["resources"][0][:3]
    response = notes.post("/_twinstack/state/import", json=snapshot)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert "resources[0]" in response.json()["message"]
    assert _list(notes, key) == [note]


# clock advance -----------------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"seconds": "ten"}, {"seconds": -1}, {"seconds": True}, {"seconds": None}])
def test_clock_advance_refuses_a_bad_seconds_naming_it(notes: TestClient, body: dict[str, Any]) -> None:
    response = notes.post("/_twinstack/clock/advance", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert response.json()["field"] == "seconds"


def test_clock_advance_refuses_a_body_that_is_not_json(notes: TestClient) -> None:
    response = notes.post("/_twinstack/clock/advance", content=b"{seconds", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_clock_advance_moves_the_time_resources_are_stamped_with(notes: TestClient) -> None:
    key = _key(notes)
    before = _epoch(_create(notes, key, "before")["created_at"])
    response = notes.post("/_twinstack/clock/advance", json={"seconds": 86_400})
    assert response.status_code == 200
    assert _epoch(response.json()["now"]) >= before + 86_400
    after = _epoch(_create(notes, key, "after")["created_at"])
    assert 86_400 <= after - before < 86_400 + 600


def test_the_clock_offset_survives_export_reset_and_import(notes: TestClient) -> None:
    key = _key(notes)
    notes.post("/_twinstack/clock/advance", json={"seconds": 7 * 86_400})
    snapshot = notes.get("/_twinstack/state/export").json()
    notes.post("/_twinstack/reset")
    fresh = _epoch(_create(notes, key, "fresh")["created_at"])
    notes.post("/_twinstack/state/import", json=snapshot)
    restored = _epoch(_create(notes, key, "restored")["created_at"])
    assert restored - fresh >= 7 * 86_400 - 60


# durable jobs ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with scratch_database("twinstack_jobs") as url:
        yield url


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)])
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Opens the same state again each call, as a restarted server would."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    opened: list[Store] = [open_store(url, tmp_path)]
    # The PostgreSQL database serves the whole module; each test starts from nothing.
    opened[0].reset()

    def open_again() -> Store:
        store = open_store(url, tmp_path)
        opened.append(store)
        return store

    yield open_again
    for store in opened:
        store.close()


class Recorder:
    """A job handler that remembers what ran, in order."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    async def __call__(self, job: Job) -> None:
        await asyncio.sleep(0)
        self.ran.append(str(job.payload["name"]))


def _scheduler(store: Store, recorder: Recorder) -> Scheduler:
    scheduler = Scheduler(store, Clock(store, "realistic"))
    scheduler.register("remind", recorder)
    return scheduler


def test_jobs_survive_a_restart_and_run_once_in_due_order_as_the_clock_advances(reopen: Any) -> None:
    first = reopen()
    before = _scheduler(first, Recorder())
    for name, delay in (("third", 300), ("first", 100), ("fourth", 1000), ("second", 200)):
        before.schedule("remind", delay, service="notes", tenant="t1", payload={"name": name})
    first.close()

    store = reopen()
    recorder = Recorder()
    scheduler = _scheduler(store, recorder)

    async def scenario() -> list[list[str]]:
        steps: list[list[str]] = []
        for seconds in (0, 250, 100, 0, 1000, 1000):
            scheduler.clock.advance(seconds)
            await scheduler.run_due()
            steps.append(list(recorder.ran))
        return steps

    steps = asyncio.run(scenario())
    assert steps == [
        [],
        ["first", "second"],
        ["first", "second", "third"],
        ["first", "second", "third"],
        ["first", "second", "third", "fourth"],
        ["first", "second", "third", "fourth"],
    ]
    assert store.next_job_due() is None


def test_a_failing_job_is_not_retried_and_the_others_still_run(reopen: Any) -> None:
    store = reopen()
    recorder = Recorder()
    scheduler = _scheduler(store, recorder)
    failures: list[str] = []

    def explode(job: Job) -> None:
        failures.append(job.id)
        raise RuntimeError("handler bug")

    scheduler.register("explode", explode)
    scheduler.schedule("explode", 10, service="notes", tenant="t1", job_id="boom")
    scheduler.schedule("remind", 20, service="notes", tenant="t1", payload={"name": "after the failure"})

    async def scenario() -> int:
        scheduler.clock.advance(60)
        ran = await scheduler.run_due()
        return ran + await scheduler.run_due()

    assert asyncio.run(scenario()) == 2
    assert failures == ["boom"] and recorder.ran == ["after the failure"]


def test_jobs_of_a_kind_this_process_cannot_run_are_left_for_one_that_can(reopen: Any) -> None:
    store = reopen()
    scheduler = _scheduler(store, Recorder())
    scheduler.schedule("other-service-job", 0, service="odin", tenant="t1", job_id="kept")

    async def scenario() -> int:
        scheduler.clock.advance(10)
        return await scheduler.run_due()

    assert asyncio.run(scenario()) == 0
    [left] = reopen().claim_due_jobs(scheduler.clock.now() + 1)
    assert left.id == "kept"


def test_a_job_rescheduled_by_its_own_handler_runs_again_later(reopen: Any) -> None:
    store = reopen()
    scheduler = Scheduler(store, Clock(store, "realistic"))
    runs: list[int] = []

    def poll(job: Job) -> None:
        runs.append(int(job.payload["n"]))
        if job.payload["n"] < 3:
            scheduler.schedule("poll", 60, service="notes", tenant="t1", payload={"n": job.payload["n"] + 1}, job_id=job.id)

    scheduler.register("poll", poll)
    scheduler.schedule("poll", 60, service="notes", tenant="t1", payload={"n": 1}, job_id="poller")

    async def scenario() -> None:
        for _ in range(5):
            scheduler.clock.advance(61)
            await scheduler.run_due()

    asyncio.run(scenario())
    assert runs == [1, 2, 3]
    assert store.next_job_due() is None
