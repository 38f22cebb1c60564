"""Schemathesis conformance of the generic twin on the public documents of ``tests/data/corpus/``.

The standing run of ``tests/conformance/`` (examples, coverage, fuzzing and
stateful phases; every check, with the same gap-aware status check) against
one ``twinstack serve --speed instant --strict --spec <doc>:<slug> ...``
holding every document, with a fresh tenant's credentials. Per document it
prints operations passing all checks / total, the 5xx responses and the
failing operations, and asserts zero 5xx and at least ``FLOORS[slug]``
passing operations: what passes today, to be raised as the engine improves,
never lowered to make a run pass.

    pytest tests/corpus -k conformance -s
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from tests.conformance.st_config import RunBudget
from tests.conformance.st_report import ServiceResult, format_result
from tests.conftest import LiveServer
from tests.corpus.documents import DOCUMENTS
from tests.corpus.st_corpus import run_document

FLOORS: dict[str, int] = {
    "train-travel": 7,
    "petstore3": 17,
    "museum": 8,
    "petstore-expanded": 4,
    "tictactoe": 3,
    "twilio-studio": 19,
    "resend": 104,
    "adyen-pos": 1,
}
"""Operations passing all checks, per document: the ratchet (raise as fixes land)."""

KNOWN_SERVER_ERRORS: dict[str, dict[str, str]] = {
}
"""5xx responses of engine defects found by this run (see ``test_engine_defects.py``), by operation; any other
5xx fails the test. They are printed with the report; remove an entry once the engine is fixed."""

BUDGET = RunBudget(max_examples=2, stateful_max_steps=4)
"""Smaller than the built-in services' budget: eight documents share the run's few minutes."""
RUN_TIMEOUT = 150.0
"""Seconds one document's ``st run`` may take before it is stopped and reported as cut short."""
RUN_TIMEOUTS: dict[str, float] = {"resend": 300.0}
"""Longer for the one large document, so that its figure is a whole run rather than what fitted."""
CONCURRENT_RUNS = 4
"""More runs than CPUs: an ``st`` process mostly waits on the server, and the server on the store."""

LONGEST_FIRST = ("resend", "twilio-studio", "petstore3", "train-travel", "museum", "tictactoe",
                 "petstore-expanded", "adyen-pos")


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, corpus_server: LiveServer,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[ServiceResult]]]:
    """Start every selected document's run at once, as many at a time as there are CPUs."""
    selected = {item.callspec.params["slug"] for item in request.session.items
                if isinstance(item, pytest.Function) and item.module is request.module and hasattr(item, "callspec")}
    workdir = tmp_path_factory.mktemp("corpus-schemathesis")
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(selected), CONCURRENT_RUNS)))
    futures = {slug: pool.submit(run_document, DOCUMENTS[slug], corpus_server.url, workdir / slug, BUDGET,
                                 RUN_TIMEOUTS.get(slug, RUN_TIMEOUT))
               for slug in LONGEST_FIRST if slug in selected}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.conformance
@pytest.mark.timeout(max(RUN_TIMEOUTS.values()) + 2 * RUN_TIMEOUT)
@pytest.mark.parametrize("slug", list(DOCUMENTS))
def test_corpus_conformance(slug: str, runs: dict[str, Future[ServiceResult]]) -> None:
    result = runs[slug].result()
    print("\n" + format_result(result, FLOORS[slug]))
    passing, total = result.passing, len(result.operations)
    known = KNOWN_SERVER_ERRORS.get(slug, {})
    for label, why in sorted(known.items()):
        print(f"   known engine defect behind 5xx on {label}: {why}")
    unexpected = {key: n for key, n in result.server_errors.items() if key[0] not in known}
    assert not unexpected, f"{slug}: 5xx responses: {unexpected} (examples printed above)"
    assert passing >= FLOORS[slug], (
        f"{slug}: {passing}/{total} operations pass all checks, below the floor of {FLOORS[slug]}")
