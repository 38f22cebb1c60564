"""Resources: get, put, insert, delete, list, count and the cross-tenant lookup."""

from __future__ import annotations

from twinstack.store import Store

S, T, C = "notes", "tenant-a", "notes"


def test_get_of_an_unknown_resource_is_none(store: Store) -> None:
    assert store.get(S, T, C, "missing") is None


def test_put_then_get_returns_the_same_document(store: Store) -> None:
    doc = {"id": "n1", "title": "héllo ✓", "tags": ["a", "b"], "n": 1.5, "nested": {"x": None, "ok": True}}
    store.put(S, T, C, "n1", doc, 1000.0)
    assert store.get(S, T, C, "n1") == doc


def test_put_replaces_an_existing_document(store: Store) -> None:
    store.put(S, T, C, "n1", {"v": 1}, 1000.0)
    store.put(S, T, C, "n1", {"v": 2}, 1001.0)
    assert store.get(S, T, C, "n1") == {"v": 2}
    assert store.count(S, T, C) == 1


def test_insert_creates_and_refuses_a_second_with_the_same_id(store: Store) -> None:
    assert store.insert(S, T, C, "n1", {"v": 1}, 1000.0) is True
    assert store.insert(S, T, C, "n1", {"v": 2}, 1001.0) is False
    assert store.get(S, T, C, "n1") == {"v": 1}


def test_delete_removes_and_reports_whether_anything_was_there(store: Store) -> None:
    store.insert(S, T, C, "n1", {"v": 1}, 1000.0)
    assert store.delete(S, T, C, "n1") is True
    assert store.get(S, T, C, "n1") is None
    assert store.delete(S, T, C, "n1") is False


def test_resources_are_scoped_by_service_tenant_and_collection(store: Store) -> None:
    store.insert(S, T, C, "same", {"owner": "a"}, 1000.0)
    store.insert(S, "tenant-b", C, "same", {"owner": "b"}, 1000.0)
    store.insert(S, T, "other", "same", {"owner": "other-collection"}, 1000.0)
    store.insert("other-service", T, C, "same", {"owner": "other-service"}, 1000.0)
    assert store.get(S, T, C, "same") == {"owner": "a"}
    assert store.get(S, "tenant-b", C, "same") == {"owner": "b"}
    assert store.list(S, T, C) == [{"owner": "a"}]
    assert store.count(S, "tenant-b", C) == 1
    assert store.delete(S, "tenant-b", C, "same") is True
    assert store.get(S, T, C, "same") == {"owner": "a"}


def test_list_is_in_creation_order_and_newest_first_reverses_it(store: Store) -> None:
    # Ids sort the other way round from creation, so only insertion order explains the result.
    for n in range(12):
        store.insert(S, T, C, f"id-{99 - n:02d}", {"n": n}, 1000.0)
    assert [d["n"] for d in store.list(S, T, C)] == list(range(12))
    assert [d["n"] for d in store.list(S, T, C, newest_first=True)] == list(range(11, -1, -1))


def test_updating_a_resource_keeps_its_place_in_the_list(store: Store) -> None:
    for n in range(3):
        store.insert(S, T, C, f"r{n}", {"n": n}, 1000.0)
    store.put(S, T, C, "r0", {"n": 0, "changed": True}, 2000.0)
    assert [d["n"] for d in store.list(S, T, C)] == [0, 1, 2]


def test_a_resource_created_again_after_delete_is_the_newest(store: Store) -> None:
    for n in range(3):
        store.insert(S, T, C, f"r{n}", {"n": n}, 1000.0)
    store.delete(S, T, C, "r2")
    store.delete(S, T, C, "r0")
    store.insert(S, T, C, "r0", {"n": 10}, 1001.0)
    assert [d["n"] for d in store.list(S, T, C)] == [1, 10]


def test_list_pages_with_limit_and_offset(store: Store) -> None:
    for n in range(10):
        store.insert(S, T, C, f"r{n}", {"n": n}, 1000.0)
    assert [d["n"] for d in store.list(S, T, C, limit=3)] == [0, 1, 2]
    assert [d["n"] for d in store.list(S, T, C, limit=3, offset=3)] == [3, 4, 5]
    assert [d["n"] for d in store.list(S, T, C, limit=4, offset=8)] == [8, 9]
    assert [d["n"] for d in store.list(S, T, C, offset=7)] == [7, 8, 9]
    assert [d["n"] for d in store.list(S, T, C, newest_first=True, limit=2, offset=1)] == [8, 7]
    assert store.list(S, T, C, limit=0) == []
    assert store.list(S, T, C, limit=5, offset=50) == []


def test_count_follows_inserts_and_deletes(store: Store) -> None:
    assert store.count(S, T, C) == 0
    for n in range(5):
        store.insert(S, T, C, f"r{n}", {}, 1000.0)
    store.delete(S, T, C, "r1")
    assert store.count(S, T, C) == 4


def test_find_any_tenant_names_the_owner(store: Store) -> None:
    store.insert(S, "tenant-b", C, "shared-id", {"v": "b"}, 1000.0)
    assert store.find_any_tenant(S, C, "shared-id") == ("tenant-b", {"v": "b"})
    assert store.find_any_tenant(S, C, "nope") is None
    assert store.find_any_tenant("other-service", C, "shared-id") is None


def test_find_any_tenant_prefers_the_oldest_when_ids_repeat(store: Store) -> None:
    store.insert(S, "tenant-z", C, "dup", {"v": "first"}, 1000.0)
    store.insert(S, "tenant-a", C, "dup", {"v": "second"}, 1000.0)
    assert store.find_any_tenant(S, C, "dup") == ("tenant-z", {"v": "first"})


def test_a_transaction_commits_together_and_rolls_back_on_error(store: Store) -> None:
    with store.transaction():
        store.insert(S, T, C, "a", {}, 1000.0)
        store.insert(S, T, C, "b", {}, 1000.0)
    try:
        with store.transaction():
            store.insert(S, T, C, "c", {}, 1000.0)
            with store.transaction():
                store.delete(S, T, C, "a")
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    assert sorted(d for d in ("a", "b", "c") if store.get(S, T, C, d) is not None) == ["a", "b"]


def test_a_nested_transaction_that_raises_undoes_only_its_own_writes(store: Store) -> None:
    with store.transaction():
        store.insert(S, T, C, "outer", {}, 1000.0)
        try:
            with store.transaction():
                store.insert(S, T, C, "inner", {}, 1000.0)
                store.delete(S, T, C, "outer")
                raise RuntimeError("abort the inner block")
        except RuntimeError:
            pass
        store.insert(S, T, C, "after", {}, 1000.0)
    assert [rid for rid in ("outer", "inner", "after") if store.get(S, T, C, rid) is not None] == ["outer", "after"]
    assert store.count(S, T, C) == 2
