"""``by_id_range``: resources in id order between two bounds, a seek on the primary key (ordered listings)."""

from __future__ import annotations

from twinstack.store import Store

S, T, C = "svc", "tenant-1", "objects"


def test_ids_come_in_order_between_the_bounds_and_at_most_the_limit(store: Store) -> None:
    for rid in ("6b", "61", "6a", "7a", "60"):
        store.insert(S, T, C, rid, {"rid": rid}, 1000.0)
    assert [rid for rid, _ in store.by_id_range(S, T, C)] == ["60", "61", "6a", "6b", "7a"]
    assert [rid for rid, _ in store.by_id_range(S, T, C, low="61", high="7")] == ["61", "6a", "6b"]
    assert [data["rid"] for _, data in store.by_id_range(S, T, C, low="6", limit=2)] == ["60", "61"]
    assert store.by_id_range(S, T, C, low="8") == []


def test_another_tenant_or_collection_is_not_in_the_range(store: Store) -> None:
    store.insert(S, T, C, "61", {}, 1000.0)
    store.insert(S, "tenant-2", C, "62", {}, 1000.0)
    store.insert(S, T, "other", "63", {}, 1000.0)
    assert [rid for rid, _ in store.by_id_range(S, T, C)] == ["61"]
