"""A tenant's collections in one service with how many resources each holds (what the web console lists)."""

from __future__ import annotations

from twinstack.store import Store


def test_collection_counts_follow_writes_and_deletes_per_service_and_tenant(store: Store) -> None:
    assert store.collection_counts("notes", "tenant-a") == {}
    store.put("notes", "tenant-a", "notes", "n1", {"v": 1}, 1000.0)
    store.put("notes", "tenant-a", "notes", "n2", {"v": 2}, 1000.0)
    store.put("notes", "tenant-a", "notes#board-1", "c1", {"v": 3}, 1000.0)
    store.put("notes", "tenant-b", "notes", "n3", {"v": 4}, 1000.0)
    store.put("other", "tenant-a", "things", "t1", {"v": 5}, 1000.0)
    store.put("notes", "tenant-a", "notes", "n1", {"v": 6}, 1001.0)  # a replacement is not another resource
    assert store.collection_counts("notes", "tenant-a") == {"notes": 2, "notes#board-1": 1}
    assert store.collection_counts("notes", "tenant-b") == {"notes": 1}
    store.delete("notes", "tenant-a", "notes#board-1", "c1")
    assert store.collection_counts("notes", "tenant-a") == {"notes": 2}
