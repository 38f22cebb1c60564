"""Several processes on one state: concurrent writers, and schema creation racing at start-up."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.store.conftest import BACKENDS, Stores, scratch_schema
from tests.store.processes import run_together
from twinstack.store import open_store


def test_writers_on_two_connections_lose_nothing_and_never_collide(stores: Stores) -> None:
    writers = [stores.open(), stores.open()]
    start = threading.Barrier(len(writers))
    errors: list[BaseException] = []

    def write(n: int) -> None:
        store = writers[n]
        try:
            start.wait(timeout=30)
            for i in range(60):
                store.insert("notes", "t1", "notes", f"w{n}-{i}", {"writer": n, "i": i}, 1000.0)
                store.add_message({"id": f"m{n}-{i}", "channel": "sms", "created_at": "2026-01-01T00:00:00Z"})
                if i % 10 == 0:
                    store.add_journal([{"writer": n, "i": i}, {"writer": n, "i": i, "second": True}])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    reader = stores.open()
    listed = reader.list("notes", "t1", "notes")
    assert len(listed) == 120
    for n in range(len(writers)):
        # Whatever the interleaving, each writer's own resources keep its order.
        assert [d["i"] for d in listed if d["writer"] == n] == list(range(60))
    assert len(reader.list_messages({}, 1000, None)) == 120
    assert len(reader.list_journal(1000)) == 24


_OPEN_WHEN_TOLD = """
import sys
from pathlib import Path
from twinstack.store import open_store
url, data_dir, n = sys.argv[1] or None, Path(sys.argv[2]), sys.argv[3]
print("ready", flush=True)
sys.stdin.readline()
store = open_store(url, data_dir)
store.insert("race", "t", "c", n, {"n": n}, 1.0)
store.close()
"""


@pytest.mark.parametrize("kind", BACKENDS)
def test_processes_starting_together_all_open_a_fresh_state(kind: str, tmp_path: Path,
                                                            request: pytest.FixtureRequest) -> None:
    url = scratch_schema(request) if kind == "postgres" else ""
    run_together(_OPEN_WHEN_TOLD, [[url, str(tmp_path), str(n)] for n in range(4)], timeout=120)
    store = open_store(url or None, tmp_path)
    try:
        assert sorted(d["n"] for d in store.list("race", "t", "c")) == ["0", "1", "2", "3"]
    finally:
        store.close()
