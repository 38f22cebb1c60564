"""``cursor_at``: paging that continues past a named resource, as "starting after this id" APIs ask."""

from __future__ import annotations

from twinstack.store import Store

S, T, C = "svc", "tenant-1", "things"


def _ids(found: list[dict[str, object]]) -> list[object]:
    return [d["n"] for d in found]


def test_a_cursor_at_a_resource_continues_past_it_in_either_order(store: Store) -> None:
    for n in range(6):
        store.insert(S, T, C, f"r{n}", {"n": n}, 1000.0)
    at = store.cursor_at(S, T, C, "r3")
    assert at is not None
    assert _ids(store.find(S, T, C, after=at).items) == [4, 5]
    assert _ids(store.find(S, T, C, newest_first=True, after=at, limit=2).items) == [2, 1]


def test_a_cursor_at_a_resource_holds_for_filtered_look_ups_and_after_updates(store: Store) -> None:
    store.declare_indexes(S, {C: ("kind",)})
    for n in range(6):
        store.insert(S, T, C, f"r{n}", {"n": n, "kind": "odd" if n % 2 else "even"}, 1000.0)
    store.put(S, T, C, "r2", {"n": 2, "kind": "even", "changed": True}, 2000.0)
    at = store.cursor_at(S, T, C, "r2")
    assert at is not None
    assert _ids(store.find(S, T, C, where={"kind": "odd"}, after=at).items) == [3, 5]
    assert _ids(store.find(S, T, C, where={"kind": "even"}, newest_first=True, after=at).items) == [0]


def test_there_is_no_cursor_at_an_unknown_or_another_tenants_resource(store: Store) -> None:
    store.insert(S, T, C, "mine", {"n": 1}, 1000.0)
    assert store.cursor_at(S, T, C, "absent") is None
    assert store.cursor_at(S, "tenant-2", C, "mine") is None
    assert store.cursor_at(S, T, "other", "mine") is None
    store.delete(S, T, C, "mine")
    assert store.cursor_at(S, T, C, "mine") is None
