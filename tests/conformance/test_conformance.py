"""Schemathesis conformance of the five built-in twins: the standing ratchet.

For each service, ``st run`` (examples, coverage, fuzzing and stateful
phases; every check) runs against a real ``twinstack serve --speed instant
--strict`` with a fresh tenant's credentials and real databases (the twin's
private PostgreSQL, and MariaDB where ``mariadbd`` is installed, both under
the run's temporary data dir and stopped with it), and the test prints
``operations passing all checks / total``, the 5xx responses, the failing
operations (operation, check, short message) and the document gaps: statuses
the contract makes the twin answer although the document does not declare
them (401 on secured operations; ODIN's 4xx on operations declaring none).

It asserts zero 5xx (bar the ones a document declares for a real condition:
Polykomos ``createQueryExecution``'s 500) and at least ``FLOORS[slug]``
passing operations. A floor is what passes today: raise it when fixes land,
never lower it to make a run pass.

Run everything, or one service alone, with the report printed::

    pytest tests/conformance -m conformance -s
    pytest tests/conformance -k bluelobster -s

Services run concurrently, as many as there are CPUs (Schemathesis is
CPU-bound; the server is not). Set ``TWINSTACK_CONFORMANCE_REPORT=<file>`` to
also keep the whole report (every selected service) in that file; each
service's Schemathesis config, NDJSON events and log stay in the test's
temporary directory for a closer look.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conformance.st_config import RunBudget
from tests.conformance.st_report import ServiceResult, format_result
from tests.conformance.st_run import run_service
from tests.conformance.targets import SEPARATE_SERVER, TARGETS
from tests.conftest import LiveServer
from tests.drivers.databases.embedded import stop_leftovers

FLOORS: dict[str, int] = {
    "bluelobster": 41,
    "polykomos": 22,
    "odin": 117,
    "g4fagent": 81,
    "wayscloud": 267,
    "control": 21,
}
"""Operations passing all checks, per service: the ratchet (raise as fixes land)."""

BUDGET = RunBudget()
RUN_TIMEOUT = 420.0
"""Seconds one service's ``st run`` may take before it is stopped and reported as cut short."""

LONGEST_FIRST = ("wayscloud", "odin", "g4fagent", "bluelobster", "polykomos", "control")
"""Start order, so the long runs overlap the short ones."""


@pytest.fixture(scope="module")
def conformance_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Real databases, as a plain ``twinstack serve`` has them: the private PostgreSQL, and MariaDB where installed.
    server = LiveServer(tmp_path_factory.mktemp("conformance") / "state", ["--speed", "instant", "--strict"])
    server.start()
    try:
        yield server
    finally:
        server.stop()
        # The twin stops its private servers itself; this catches one it left if it had to be killed.
        stop_leftovers(server.data_dir)


@pytest.fixture(scope="module")
def control_plane_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # The control plane's run resets and imports the whole state: it gets a twin of its own.
    server = LiveServer(tmp_path_factory.mktemp("conformance-control") / "state",
                        ["--speed", "instant", "--strict", "--no-embedded-databases"])
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[ServiceResult]]]:
    """Start every selected service's run at once; each test waits for its own."""
    selected = {item.callspec.params["slug"] for item in request.session.items
                if isinstance(item, pytest.Function) and item.module is request.module and hasattr(item, "callspec")}
    workdir = tmp_path_factory.mktemp("schemathesis")
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(selected), os.cpu_count() or 1)))
    servers = {slug: request.getfixturevalue("control_plane_server" if slug in SEPARATE_SERVER else "conformance_server")
               for slug in LONGEST_FIRST if slug in selected}
    futures = {slug: pool.submit(run_service, TARGETS[slug], servers[slug].url, workdir / slug, BUDGET, RUN_TIMEOUT)
               for slug in LONGEST_FIRST if slug in selected}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def _keep_report(results: dict[str, ServiceResult]) -> None:
    target = os.environ.get("TWINSTACK_CONFORMANCE_REPORT")
    if target:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        blocks = [format_result(results[slug], FLOORS[slug]) for slug in TARGETS if slug in results]
        Path(target).write_text(f"# Schemathesis conformance, {stamp}\n\n" + "\n\n".join(blocks) + "\n",
                                encoding="utf-8")


@pytest.fixture(scope="module")
def finished() -> dict[str, ServiceResult]:
    """Results of the services tested so far in this module, for the kept report."""
    return {}


@pytest.mark.conformance
@pytest.mark.timeout(RUN_TIMEOUT + 180)
@pytest.mark.parametrize("slug", list(TARGETS))
def test_schemathesis_conformance(slug: str, runs: dict[str, Future[ServiceResult]],
                                  finished: dict[str, ServiceResult]) -> None:
    result = runs[slug].result()
    finished[slug] = result
    _keep_report(finished)
    print("\n" + format_result(result, FLOORS[slug]))
    server_errors, passing, total = result.total_server_errors, result.passing, len(result.operations)
    assert server_errors == 0, f"{slug}: 5xx responses: {dict(result.server_errors)} (examples printed above)"
    assert passing >= FLOORS[slug], (
        f"{slug}: {passing}/{total} operations pass all checks, below the floor of {FLOORS[slug]}; "
        "see the failing operations printed above")
