"""``generation``: it moves with every write to the state, by any connection, and with nothing else."""

from __future__ import annotations

from tests.store.conftest import Stores

S, T, C = "notes", "tenant-a", "notes"


def test_a_write_moves_the_generation_and_a_read_or_the_journal_does_not(stores: Stores) -> None:
    store = stores.open()
    before = store.generation()
    if stores.kind == "postgres":
        # Other processes commit unseen: no generation, so nothing is ever reused.
        assert before is None
        return
    store.get(S, T, C, "n1")
    store.find(S, T, C)
    store.add_journal([{"method": "GET", "path": "/notes", "status": 200}])
    assert store.generation() == before
    store.put(S, T, C, "n1", {"v": 1}, 1.0)
    after_put = store.generation()
    assert after_put != before
    store.kv_put("ns", "k", 1)
    store.meta_set("clock_offset", "5")
    assert store.generation() not in (before, after_put)


def test_a_commit_by_another_connection_moves_the_generation(stores: Stores) -> None:
    if stores.kind == "postgres":
        return
    reader, writer = stores.open(), stores.open()
    seen = reader.generation()
    writer.put(S, T, C, "n1", {"v": 1}, 1.0)
    assert reader.generation() != seen, "another worker's write must not go unseen"
    settled = reader.generation()
    writer.get(S, T, C, "n1")
    assert reader.generation() == settled
