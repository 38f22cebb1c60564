"""Reset, and export → import of the whole state, within and across implementations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.store.conftest import IMPLEMENTATIONS, Stores, fresh_stores
from twinstack.store import Credential, Job, Store


def _populate(store: Store) -> None:
    store.put_tenant("t1", "tenant one", {"credentials": {"notes": {"api_key": "k"}}}, 1000.0)
    store.add_credential(Credential("h1", "t1", "notes", "api_key", "", None, ["ApiKeyAuth"], {}, 1000.0, 9000.0, None))
    for n in range(3):
        store.insert("notes", "t1", "notes", f"n{n}", {"n": n, "text": "ünïcode"}, 1000.0 + n)
    store.kv_put("idempotency", "key-1", {"status": 201})
    store.add_job(Job("job-1", 5000.0, "tick", "notes", "t1", {"note": "n1"}))
    store.add_message({"id": "m1", "service": "notes", "tenant": "t1", "channel": "email", "recipient": "a@x.io",
                       "created_at": "2026-01-01T00:00:00Z", "body": "hi"})
    store.add_journal([{"method": "POST", "path": "/notes/notes", "status": 201}])
    store.meta_set("clock_offset", "3600.0")


def _assert_populated(store: Store) -> None:
    assert [d["n"] for d in store.list("notes", "t1", "notes")] == [0, 1, 2]
    assert store.get("notes", "t1", "notes", "n1") == {"n": 1, "text": "ünïcode"}
    tenant = store.get_tenant("t1")
    assert tenant is not None and tenant["data"] == {"credentials": {"notes": {"api_key": "k"}}}
    cred = store.find_credential("h1")
    assert cred is not None and (cred.tenant, cred.schemes, cred.expires_at) == ("t1", ["ApiKeyAuth"], 9000.0)
    assert store.kv_get("idempotency", "key-1") == {"status": 201}
    assert [m["id"] for m in store.list_messages({}, 10, None)] == ["m1"]
    assert [e["path"] for e in store.list_journal(10)] == ["/notes/notes"]
    assert store.meta_get("clock_offset") == "3600.0"
    assert [(j.id, j.payload) for j in store.claim_due_jobs(6000.0)] == [("job-1", {"note": "n1"})]


def _wire(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as it travels over HTTP."""
    return dict(orjson.loads(orjson.dumps(snapshot)))


def test_reset_empties_every_table(store: Store) -> None:
    _populate(store)
    store.reset()
    assert store.list("notes", "t1", "notes") == [] and store.get_tenant("t1") is None
    assert store.find_credential("h1") is None and store.kv_get("idempotency", "key-1") is None
    assert store.claim_due_jobs(10_000.0) == [] and store.list_messages({}, 10, None) == []
    assert store.list_journal(10) == [] and store.meta_get("clock_offset") is None
    assert all(rows == [] for table, rows in store.export().items() if table not in ("format", "columns"))


def test_export_then_import_restores_everything(store: Store, stores: Stores, tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    _populate(store)
    snapshot = _wire(store.export())
    target = fresh_stores(stores.kind, tmp_path, request, slot="target").open()
    target.put_tenant("stale", "replaced by the import", {}, 1.0)
    target.import_(snapshot)
    assert target.get_tenant("stale") is None
    assert _wire(target.export()) == snapshot
    _assert_populated(target)


def test_import_onto_the_same_store_after_reset_continues_insertion_order(store: Store) -> None:
    _populate(store)
    snapshot = _wire(store.export())
    store.reset()
    store.import_(snapshot)
    store.insert("notes", "t1", "notes", "after", {"n": 99}, 2000.0)
    store.add_message({"id": "m2", "created_at": "2026-01-02T00:00:00Z"})
    assert [d["n"] for d in store.list("notes", "t1", "notes", newest_first=True)] == [99, 2, 1, 0]
    assert [m["id"] for m in store.list_messages({}, 10, None)] == ["m2", "m1"]


@pytest.mark.postgres
@pytest.mark.parametrize("source_kind", IMPLEMENTATIONS)
def test_a_snapshot_moves_between_implementations(source_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    target_kind = next(k for k in IMPLEMENTATIONS if k != source_kind)
    source_stores = fresh_stores(source_kind, tmp_path, request, slot="source")
    target_stores = fresh_stores(target_kind, tmp_path, request, slot="target")
    try:
        source = source_stores.open()
        _populate(source)
        target = target_stores.open()
        target.import_(_wire(source.export()))
        _assert_populated(target)
        target.insert("notes", "t1", "notes", "after", {"n": 99}, 2000.0)
        assert [d["n"] for d in target.list("notes", "t1", "notes")] == [0, 1, 2, 99]
    finally:
        source_stores.close()
        target_stores.close()


def test_a_snapshot_without_column_names_imports_by_position(store: Store) -> None:
    _populate(store)
    snapshot = _wire(store.export())
    del snapshot["columns"]
    store.reset()
    store.import_(snapshot)
    _assert_populated(store)


def _broken(snapshot: dict[str, Any], how: str) -> dict[str, Any]:
    broken = _wire(snapshot)
    if how == "format":
        broken["format"] = "something-else/9"
    elif how == "short-row":
        broken["tenants"][0] = broken["tenants"][0][:2]
    elif how == "unknown-column":
        broken["columns"]["kv"] = ["namespace", "key", "nonsense"]
    elif how == "object-value":
        broken["kv"][0][2] = {"not": "text"}
    elif how == "duplicate-key":
        broken["tenants"].append(list(broken["tenants"][0]))
    elif how == "null-in-required-column":
        broken["resources"][-1][7] = None
    elif how == "rows-not-a-list":
        broken["journal"] = {"seq": 1}
    return broken


@pytest.mark.parametrize("how", ["format", "short-row", "unknown-column", "object-value", "duplicate-key",
                                 "null-in-required-column", "rows-not-a-list"])
def test_a_malformed_snapshot_is_refused_and_changes_nothing(store: Store, how: str) -> None:
    _populate(store)
    snapshot = store.export()
    with pytest.raises(ValueError):
        store.import_(_broken(snapshot, how))
    _assert_populated(store)
