"""Indexed look-ups: find, find_one, count and get_many over declared fields, and the index kept true by every write."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from tests.store.conftest import Stores, fresh_stores
from twinstack.store import Store, UndeclaredIndex

S, T = "shop", "tenant-a"
INDEXES = {"items": ("status", "owner", "size"), "members": ("role",)}


def _rids(items: list[dict[str, Any]]) -> list[str]:
    return [str(d["id"]) for d in items]


def _add(store: Store, collection: str, rid: str, **fields: Any) -> None:
    assert store.insert(S, T, collection, rid, {"id": rid, **fields}, 1000.0) is True


@pytest.fixture
def shop(store: Store) -> Store:
    store.declare_indexes(S, INDEXES)
    return store


def _stock(store: Store) -> None:
    # Ids sort against insertion order, so only insertion order explains the results.
    _add(store, "items", "i9", status="on", owner="ann", size=1)
    _add(store, "items", "i8", status="off", owner="ann", size=2)
    _add(store, "items", "i7", status="on", owner="bob", size=3)
    _add(store, "items", "i6", status="on", owner="ann", size=2)
    _add(store, "items", "i5", status="gone", owner="cy", size=None)


def _where(store: Store, collection: str = "items", **where: Any) -> list[str]:
    return _rids(store.find(S, T, collection, where=where).items)


def test_find_matches_one_declared_field_in_insertion_order(shop: Store) -> None:
    _stock(shop)
    assert _where(shop, status="on") == ["i9", "i7", "i6"]
    assert _where(shop, owner="cy") == ["i5"]
    assert _where(shop, status="nothing-like-it") == []


def test_several_fields_are_anded(shop: Store) -> None:
    _stock(shop)
    assert _where(shop, status="on", owner="ann") == ["i9", "i6"]
    assert _where(shop, status="on", owner="ann", size=2) == ["i6"]
    assert _where(shop, status="off", owner="bob") == []
    assert shop.count(S, T, "items", {"status": "on", "owner": "ann"}) == 2


@pytest.mark.parametrize("values", [["off", "gone"], ("off", "gone"), {"off", "gone"}, frozenset({"off", "gone"})])
def test_a_collection_of_values_matches_any_of_them(shop: Store, values: Any) -> None:
    _stock(shop)
    assert _where(shop, status=values) == ["i8", "i5"]
    assert _where(shop, status=values, owner=["ann", "bob"]) == ["i8"]
    assert shop.count(S, T, "items", {"status": values}) == 2


def test_an_empty_collection_of_values_matches_nothing(shop: Store) -> None:
    _stock(shop)
    assert _where(shop, status=[]) == []
    assert _where(shop, owner="ann", status=()) == []
    assert shop.find_one(S, T, "items", {"status": []}) is None
    assert shop.count(S, T, "items", {"status": set()}) == 0


def test_none_matches_null_and_absent_fields(shop: Store) -> None:
    _stock(shop)
    _add(shop, "items", "i4", status="on")
    assert _where(shop, size=None) == ["i5", "i4"]
    assert _where(shop, owner=None) == ["i4"]
    assert _where(shop, size=[None, 1]) == ["i9", "i5", "i4"]
    assert shop.count(S, T, "items", {"owner": None}) == 1


def test_text_that_looks_like_the_null_marker_or_holds_nul_is_only_itself(shop: Store) -> None:
    _add(shop, "items", "marker", owner="\x01")
    _add(shop, "items", "nul", owner="a\x00b")
    _add(shop, "items", "escaped", owner="\x01\x02")
    _add(shop, "items", "absent")
    assert _where(shop, owner=None) == ["absent"]
    assert _where(shop, owner="\x01") == ["marker"]
    assert _where(shop, owner="a\x00b") == ["nul"]
    assert _where(shop, owner="\x01\x02") == ["escaped"]
    assert _where(shop, owner="ab") == []


def test_values_compare_as_text(shop: Store) -> None:
    _add(shop, "items", "int", size=1)
    _add(shop, "items", "text", size="1")
    _add(shop, "items", "float", size=1.0)
    _add(shop, "items", "half", size=1.5)
    _add(shop, "items", "yes", size=True)
    assert _where(shop, size=1) == ["int", "text", "float"]
    assert _where(shop, size="1") == ["int", "text", "float"]
    assert _where(shop, size=1.0) == ["int", "text", "float"]
    assert _where(shop, size="1.5") == ["half"]
    assert _where(shop, size="true") == ["yes"]
    assert _where(shop, size=True) == ["yes"]


def test_structured_values_match_by_their_json(shop: Store) -> None:
    _add(shop, "items", "tagged", owner={"team": "a"})
    _add(shop, "items", "other", owner={"team": "b"})
    assert _where(shop, owner=[{"team": "a"}]) == ["tagged"]


def test_newest_first_reverses_insertion_order(shop: Store) -> None:
    _stock(shop)
    assert _rids(shop.find(S, T, "items", where={"status": "on"}, newest_first=True).items) == ["i6", "i7", "i9"]
    assert _rids(shop.find(S, T, "items", newest_first=True).items) == ["i5", "i6", "i7", "i8", "i9"]


def test_limit_and_offset_window_the_matches(shop: Store) -> None:
    _stock(shop)

    def window(**kwargs: Any) -> list[str]:
        return _rids(shop.find(S, T, "items", where={"owner": ["ann", "bob"]}, **kwargs).items)

    assert window(limit=2) == ["i9", "i8"]
    assert window(limit=2, offset=2) == ["i7", "i6"]
    assert window(limit=3, offset=3) == ["i6"]
    assert window(offset=1) == ["i8", "i7", "i6"]
    assert window(limit=2, offset=1, newest_first=True) == ["i7", "i8"]
    assert window(limit=5, offset=50) == []
    assert window(limit=0) == []
    assert _rids(shop.find(S, T, "items", limit=2, offset=3).items) == ["i6", "i5"]


@pytest.mark.parametrize("newest_first", [False, True])
@pytest.mark.parametrize("where", [None, {"status": "on"}], ids=["all", "filtered"])
def test_cursor_pages_visit_every_match_once(shop: Store, newest_first: bool, where: dict[str, Any] | None) -> None:
    for n in range(23):
        _add(shop, "items", f"r{99 - n:02d}", status="on" if n % 3 else "off", n=n)
    expected = _rids(shop.find(S, T, "items", where=where, newest_first=newest_first).items)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = shop.find(S, T, "items", where=where, newest_first=newest_first, limit=4, after=cursor)
        assert len(page.items) <= 4
        seen += _rids(page.items)
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor
    assert seen == expected
    assert pages == -(-len(expected) // 4)


def test_a_cursor_misses_nothing_written_between_pages(shop: Store) -> None:
    for n in range(4):
        _add(shop, "items", f"r{n}", status="on")
    page = shop.find(S, T, "items", where={"status": "on"}, limit=3)
    assert _rids(page.items) == ["r0", "r1", "r2"] and page.cursor is not None
    # The newest resources go (the page's last one among them) and a new one comes: it sorts after the cursor.
    shop.delete(S, T, "items", "r3")
    shop.delete(S, T, "items", "r2")
    _add(shop, "items", "r4", status="on")
    shop.put(S, T, "items", "r1", {"id": "r1", "status": "on", "edited": True}, 2000.0)
    rest = shop.find(S, T, "items", where={"status": "on"}, limit=3, after=page.cursor)
    assert _rids(rest.items) == ["r4"] and rest.cursor is None
    assert _rids(shop.find(S, T, "items", limit=3, after=page.cursor).items) == ["r4"]


def test_a_page_that_ends_exactly_at_the_last_match_has_no_cursor(shop: Store) -> None:
    for n in range(4):
        _add(shop, "items", f"r{n}", status="on")
    assert shop.find(S, T, "items", where={"status": "on"}, limit=4).cursor is None
    assert shop.find(S, T, "items", limit=4).cursor is None
    assert shop.find(S, T, "items", limit=3).cursor is not None


@pytest.mark.parametrize("where", [None, {"status": "on"}], ids=["all", "filtered"])
def test_find_texts_is_find_as_the_stored_text_which_changes_only_with_a_write(
    shop: Store, where: dict[str, Any] | None
) -> None:
    _stock(shop)
    for kwargs in ({}, {"newest_first": True}, {"limit": 2}, {"limit": 2, "offset": 1, "newest_first": True}):
        page, texts = shop.find(S, T, "items", where=where, **kwargs), shop.find_texts(S, T, "items", where=where, **kwargs)
        assert [orjson.loads(t) for t in texts.texts] == page.items and texts.cursor == page.cursor
    before = shop.find_texts(S, T, "items", where=where).texts
    assert shop.find_texts(S, T, "items", where=where).texts == before
    shop.put(S, T, "items", "i6", {"id": "i6", "status": "on", "owner": "ann", "size": 5}, 2000.0)
    after = shop.find_texts(S, T, "items", where=where).texts
    changed = [orjson.loads(t)["id"] for t in after if t not in before]
    assert changed == ["i6"]
    assert [orjson.loads(t)["size"] for t in after if orjson.loads(t)["id"] == "i6"] == [5]
    with pytest.raises(UndeclaredIndex):
        shop.find_texts(S, T, "items", where={"colour": "red"})


def test_find_one_is_the_oldest_match(shop: Store) -> None:
    _stock(shop)
    assert shop.find_one(S, T, "items", {"owner": "ann", "size": 2}) == {"id": "i8", "status": "off", "owner": "ann",
                                                                          "size": 2}
    assert shop.find_one(S, T, "items", {"status": "on"}) == {"id": "i9", "status": "on", "owner": "ann", "size": 1}
    assert shop.find_one(S, T, "items", {"owner": "nobody"}) is None


def test_count_by_fields(shop: Store) -> None:
    _stock(shop)
    assert shop.count(S, T, "items", {"owner": "ann"}) == 3
    assert shop.count(S, T, "items", {"size": 2}) == 2
    assert shop.count(S, T, "items", {"owner": "zed"}) == 0
    assert shop.count(S, T, "items") == 5
    assert shop.count(S, T, "items", {}) == 5


def test_get_many_returns_the_stored_ones_by_id(shop: Store) -> None:
    _stock(shop)
    found = shop.get_many(S, T, "items", ["i9", "i5", "missing", "i9"])
    assert found == {"i9": shop.get(S, T, "items", "i9"), "i5": shop.get(S, T, "items", "i5")}
    assert shop.get_many(S, T, "items", []) == {}
    assert shop.get_many(S, "tenant-b", "items", ["i9"]) == {}
    many = [f"bulk-{n}" for n in range(1200)]
    with shop.transaction():
        for rid in many:
            shop.put(S, T, "plain", rid, {"id": rid}, 1000.0)
    assert sorted(shop.get_many(S, T, "plain", iter(many))) == sorted(many)


def test_look_ups_stay_within_service_tenant_and_collection(shop: Store) -> None:
    _stock(shop)
    shop.declare_indexes("other-service", {"items": ("status",)})
    shop.insert(S, "tenant-b", "items", "b1", {"id": "b1", "status": "on"}, 1000.0)
    shop.insert("other-service", T, "items", "o1", {"id": "o1", "status": "on"}, 1000.0)
    assert _where(shop, status="on") == ["i9", "i7", "i6"]
    assert _rids(shop.find(S, "tenant-b", "items", where={"status": "on"}).items) == ["b1"]
    assert _rids(shop.find("other-service", T, "items", where={"status": "on"}).items) == ["o1"]
    assert shop.count(S, "tenant-b", "items", {"status": "on"}) == 1


def test_a_scoped_collection_is_indexed_by_its_base_declaration(shop: Store) -> None:
    _add(shop, "members#p1", "m1", role="admin")
    _add(shop, "members#p1", "m2", role="viewer")
    _add(shop, "members#p2", "m3", role="admin")
    _add(shop, "members", "m4", role="admin")
    assert _where(shop, "members#p1", role="admin") == ["m1"]
    assert _where(shop, "members#p2", role="admin") == ["m3"]
    assert _where(shop, "members", role="admin") == ["m4"]
    assert shop.count(S, T, "members#p1", {"role": "viewer"}) == 1
    assert shop.count(S, T, "members#p1") == 2
    with pytest.raises(UndeclaredIndex):
        shop.find(S, T, "members#p1", where={"status": "on"})


def test_a_query_on_an_undeclared_field_raises_at_once(shop: Store) -> None:
    _stock(shop)
    with pytest.raises(UndeclaredIndex, match="colour"):
        shop.find(S, T, "items", where={"status": "on", "colour": "red"})
    with pytest.raises(UndeclaredIndex):
        shop.find_one(S, T, "items", {"colour": "red"})
    with pytest.raises(UndeclaredIndex):
        shop.count(S, T, "items", {"colour": []})
    with pytest.raises(UndeclaredIndex):
        shop.find(S, T, "never-declared", where={"status": "on"})
    with pytest.raises(UndeclaredIndex):
        shop.find("other-service", T, "items", where={"status": "on"})
    # The collection can still be read without a condition.
    assert len(shop.find(S, T, "never-declared").items) == 0


def test_declaring_an_index_indexes_the_resources_already_stored(stores: Stores) -> None:
    writer = stores.open()
    writer.insert(S, T, "items", "old-1", {"id": "old-1", "status": "on"}, 1000.0)
    writer.insert(S, T, "items#scoped", "old-2", {"id": "old-2", "status": "on"}, 1000.0)
    writer.insert(S, T, "items", "old-3", {"id": "old-3", "status": "off"}, 1000.0)
    writer.insert(S, T, "itemsextra", "not-scoped", {"id": "not-scoped", "status": "on"}, 1000.0)
    reader = stores.open()
    reader.declare_indexes(S, {"items": ("status",)})
    assert _where(reader, status="on") == ["old-1"]
    assert _where(reader, "items#scoped", status="on") == ["old-2"]
    assert reader.count(S, T, "items", {"status": "off"}) == 1
    with pytest.raises(UndeclaredIndex):
        reader.find(S, T, "itemsextra", where={"status": "on"})


def test_a_second_store_with_the_same_declaration_does_not_rebuild(stores: Stores, monkeypatch: pytest.MonkeyPatch) -> None:
    first = stores.open()
    first.insert(S, T, "items", "a", {"id": "a", "status": "on"}, 1000.0)
    first.declare_indexes(S, INDEXES)
    second = stores.open()
    built: list[Any] = []
    monkeypatch.setattr(second, "_build_index", lambda *args: built.append(args))
    second.declare_indexes(S, {"items": ("size", "status", "owner"), "members": ("role",)})
    second.declare_indexes(S, {"items": ("status",)})
    assert built == []
    assert _where(second, status="on") == ["a"]


def test_a_field_added_later_is_indexed_without_losing_the_others(stores: Stores) -> None:
    first = stores.open()
    first.declare_indexes(S, {"items": ("status",)})
    _add(first, "items", "a", status="on", owner="ann")
    later = stores.open()
    later.declare_indexes(S, {"items": ("status", "owner")})
    _add(later, "items", "b", status="on", owner="ann")
    assert _where(later, owner="ann") == ["a", "b"]
    # A process still declaring only the first field (an older version, say) drops nothing.
    restarted = stores.open()
    restarted.declare_indexes(S, {"items": ("status",)})
    assert _where(restarted, status="on") == ["a", "b"]
    assert _where(later, owner="ann") == ["a", "b"]


def test_a_put_that_changes_an_indexed_field_moves_the_resource(shop: Store) -> None:
    _stock(shop)
    shop.put(S, T, "items", "i9", {"id": "i9", "status": "off", "owner": "dee"}, 2000.0)
    assert _where(shop, status="on") == ["i7", "i6"]
    assert _where(shop, status="off") == ["i9", "i8"]
    assert _where(shop, owner="ann") == ["i8", "i6"]
    assert _where(shop, size=None) == ["i9", "i5"]
    assert shop.count(S, T, "items", {"owner": "dee"}) == 1
    assert shop.count(S, T, "items") == 5


def test_a_put_of_a_new_resource_is_indexed_and_counted(shop: Store) -> None:
    shop.put(S, T, "items", "p1", {"id": "p1", "status": "on"}, 1000.0)
    shop.put(S, T, "items", "p2", {"id": "p2", "status": "on"}, 1000.0)
    assert _where(shop, status="on") == ["p1", "p2"]
    assert shop.count(S, T, "items") == 2


def test_a_deleted_resource_leaves_every_index(shop: Store) -> None:
    _stock(shop)
    assert shop.delete(S, T, "items", "i7") is True
    assert _where(shop, status="on") == ["i9", "i6"]
    assert _where(shop, owner="bob") == []
    assert shop.count(S, T, "items", {"owner": "bob"}) == 0
    assert shop.count(S, T, "items", {"size": 3}) == 0
    shop.insert(S, T, "items", "i7", {"id": "i7", "status": "off"}, 3000.0)
    assert _where(shop, status="off") == ["i8", "i7"]
    assert _where(shop, owner=None) == ["i7"]


def test_a_rolled_back_write_leaves_no_index_row_or_count(shop: Store) -> None:
    _stock(shop)
    with pytest.raises(RuntimeError):
        with shop.transaction():
            shop.insert(S, T, "items", "ghost", {"id": "ghost", "status": "on"}, 1000.0)
            shop.put(S, T, "items", "i9", {"id": "i9", "status": "off"}, 1000.0)
            shop.delete(S, T, "items", "i7")
            raise RuntimeError("abort")
    assert _where(shop, status="on") == ["i9", "i7", "i6"]
    assert shop.count(S, T, "items", {"status": "on"}) == 3
    assert shop.count(S, T, "items") == 5


def test_reset_empties_the_indexes_and_keeps_the_declarations(shop: Store) -> None:
    _stock(shop)
    shop.reset()
    assert _where(shop, status="on") == []
    assert shop.count(S, T, "items", {"status": "on"}) == 0
    assert shop.count(S, T, "items") == 0
    _add(shop, "items", "new", status="on")
    assert _where(shop, status="on") == ["new"]
    assert shop.count(S, T, "items") == 1


def _wire(snapshot: dict[str, Any]) -> dict[str, Any]:
    return dict(orjson.loads(orjson.dumps(snapshot)))


def test_import_replaces_the_indexes_with_the_snapshots(shop: Store) -> None:
    _stock(shop)
    snapshot = _wire(shop.export())
    shop.delete(S, T, "items", "i9")
    _add(shop, "items", "after-export", status="on")
    shop.put(S, T, "items", "i7", {"id": "i7", "status": "off"}, 2000.0)
    shop.import_(snapshot)
    assert _where(shop, status="on") == ["i9", "i7", "i6"]
    assert shop.count(S, T, "items", {"status": "off"}) == 1
    assert shop.count(S, T, "items") == 5
    _add(shop, "items", "later", status="on")
    assert _where(shop, status="on") == ["i9", "i7", "i6", "later"]


@pytest.mark.parametrize("declared", ["before", "after"])
def test_a_fresh_store_importing_a_snapshot_finds_by_its_indexes(
    shop: Store, stores: Stores, tmp_path: Path, request: pytest.FixtureRequest, declared: str
) -> None:
    _stock(shop)
    _add(shop, "members#p1", "m1", role="admin")
    snapshot = _wire(shop.export())
    target = fresh_stores(stores.kind, tmp_path, request, slot="target").open()
    target.insert(S, T, "items", "stale", {"id": "stale", "status": "on"}, 1.0)
    if declared == "before":
        target.declare_indexes(S, INDEXES)
    target.import_(snapshot)
    if declared == "after":
        target.declare_indexes(S, INDEXES)
    assert _where(target, status="on") == ["i9", "i7", "i6"]
    assert _where(target, status="on", owner="ann") == ["i9", "i6"]
    assert _where(target, "members#p1", role="admin") == ["m1"]
    assert target.count(S, T, "items") == 5
    assert target.count(S, T, "members#p1") == 1
    # The snapshot carries state, not the indexes built over it.
    assert _wire(target.export()) == snapshot


def test_an_import_through_a_store_that_declared_nothing_keeps_other_stores_indexes(stores: Stores) -> None:
    server = stores.open()
    server.declare_indexes(S, INDEXES)
    _stock(server)
    snapshot = _wire(server.export())
    server.reset()
    _add(server, "items", "replaced", status="on")
    stores.open().import_(snapshot)
    assert _where(server, status="on") == ["i9", "i7", "i6"]
    assert server.count(S, T, "items", {"owner": "ann"}) == 3


def test_the_count_follows_every_kind_of_write(shop: Store) -> None:
    def count() -> tuple[int, int]:
        return shop.count(S, T, "items"), shop.count(S, T, "plain")

    for collection in ("items", "plain"):
        assert shop.insert(S, T, collection, "a", {"id": "a", "status": "on"}, 1.0) is True
        assert shop.insert(S, T, collection, "a", {"id": "a", "status": "off"}, 1.0) is False
        shop.put(S, T, collection, "b", {"id": "b"}, 1.0)
        shop.put(S, T, collection, "b", {"id": "b", "status": "on"}, 2.0)
        shop.put(S, T, collection, "c", {"id": "c"}, 1.0)
        assert shop.delete(S, T, collection, "c") is True
        assert shop.delete(S, T, collection, "c") is False
    assert count() == (2, 2)
    assert shop.count(S, T, "items", {"status": "on"}) == 2
    snapshot = _wire(shop.export())
    shop.reset()
    assert count() == (0, 0)
    shop.import_(snapshot)
    assert count() == (2, 2)
    shop.insert(S, T, "plain", "d", {}, 3.0)
    assert count() == (2, 3)


def test_writers_on_two_stores_keep_one_index(stores: Stores) -> None:
    first, second = stores.open(), stores.open()
    for store in (first, second):
        store.declare_indexes(S, INDEXES)
    _add(first, "items", "a", status="on")
    _add(second, "items", "b", status="on")
    second.put(S, T, "items", "a", {"id": "a", "status": "off"}, 2.0)
    first.delete(S, T, "items", "b")
    for store in (first, second):
        assert _where(store, status="on") == []
        assert _where(store, status="off") == ["a"]
        assert store.count(S, T, "items") == 1


def _raw(stores: Stores, sql: str) -> None:
    """Run ``sql`` on the state behind the stores' backs, as an older twinstack would have left it."""
    if stores.kind == "sqlite":
        with sqlite3.connect(stores.data_dir / "state.db", isolation_level=None) as conn:
            conn.execute(sql)
        return
    assert stores.url is not None
    with psycopg.connect(stores.url, autocommit=True) as pg:
        pg.execute(sql)


def test_a_state_from_before_collections_were_counted_is_counted_when_opened(stores: Stores) -> None:
    first = stores.open()
    for n in range(3):
        _add(first, "items", f"r{n}")
    _add(first, "items#p1", "s1")
    _raw(stores, "DELETE FROM resource_counts")
    reopened = stores.open()
    assert (reopened.count(S, T, "items"), reopened.count(S, T, "items#p1")) == (3, 1)


def test_index_markers_a_snapshot_carries_in_meta_are_dropped_on_import(shop: Store) -> None:
    _stock(shop)
    snapshot = _wire(shop.export())
    snapshot["meta"].append(["index:shop:items", "status"])
    shop.import_(snapshot)
    assert shop.meta_get("index:shop:items") is None
    assert _where(shop, status="on") == ["i9", "i7", "i6"]
