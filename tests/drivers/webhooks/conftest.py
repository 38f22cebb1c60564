"""Fixtures: a webhook engine over a real store, clock and scheduler, and loopback receivers.

``make_rig(**settings)`` builds the engine for the service ``polykomos`` with
the given ``WebhookSettings`` fields, once over SQLite and once over
PostgreSQL (marked ``postgres``; skipped when no server answers).
``Rig.restart()`` closes the store and builds everything again on the same
state, as a server restart would. Time moves only by ``Rig.run(advance=...)``,
which advances the twin clock and runs the jobs that fell due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.drivers.webhooks.receiver import Receiver, RunningReceiver
from tests.store.pg import scratch_database
from twinstack.drivers.webhooks import WebhookSettings, Webhooks
from twinstack.store import Store, open_store
from twinstack.time.clock import Clock
from twinstack.time.jobs import Scheduler

SERVICE = "polykomos"
TENANT = "tenant-a"


class Rig:
    """One process's view of the state: store, clock, scheduler and the webhook engine."""

    def __init__(self, url: str | None, data_dir: Path, settings: WebhookSettings, opened: list[Store]) -> None:
        self.url, self.data_dir = url, data_dir
        self.settings = settings
        self._opened = opened
        self.store: Store = open_store(url, data_dir)
        opened.append(self.store)
        self.clock = Clock(self.store, "realistic")
        self.scheduler = Scheduler(self.store, self.clock)
        self.hooks = Webhooks(self.store, self.clock, self.scheduler)
        self.hooks.configure(SERVICE, settings)

    def run(self, advance: float = 0.0) -> int:
        """Advance the twin clock by ``advance`` seconds and run every job then due; how many ran."""
        if advance:
            self.clock.advance(advance)
        return asyncio.run(self.scheduler.run_due())

    def restart(self) -> Rig:
        self.store.close()
        return Rig(self.url, self.data_dir, self.settings, self._opened)

    def outbox(self) -> list[dict[str, Any]]:
        return self.store.list_messages({"channel": "webhook"}, 100, None)


@pytest.fixture(scope="session")
def pg_state() -> Iterator[str]:
    with scratch_database("twinstack_webhooks") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state_url(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite under the test's tmp_path; a PostgreSQL URL whose state is emptied first."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_state")
    store = open_store(url, Path())
    store.reset()
    store.close()
    return url


@pytest.fixture
def make_rig(state_url: str | None, tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    opened: list[Store] = []

    def make(**settings: Any) -> Rig:
        settings.setdefault("header_prefix", "Polykomos")
        settings.setdefault("timeout", 2.0)
        return Rig(state_url, tmp_path, WebhookSettings(**settings), opened)

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def rig(make_rig: Callable[..., Rig]) -> Rig:
    return make_rig()


@pytest.fixture
def receive() -> Iterator[Callable[..., Receiver]]:
    """Factory: ``receive(script=[500, 200], hang=False)`` starts a receiver on 127.0.0.1."""
    running: list[RunningReceiver] = []

    def start(**options: Any) -> Receiver:
        receiver = Receiver(**options)
        running.append(RunningReceiver(receiver))
        return receiver

    yield start
    for item in running:
        item.stop()
