"""Key-value records and the meta table (clock offset, secrets)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.store.conftest import Stores
from twinstack.store import Store


@pytest.mark.parametrize("value", [{"a": [1, 2, {"b": None}]}, [1, "x"], "text", 42, 1.25, True, False])
def test_kv_returns_what_was_put(store: Store, value: Any) -> None:
    store.kv_put("ns", "key", value)
    assert store.kv_get("ns", "key") == value


def test_kv_overwrites_deletes_and_scopes_by_namespace(store: Store) -> None:
    store.kv_put("ns", "k", 1)
    store.kv_put("ns", "k", 2)
    store.kv_put("other", "k", "x")
    assert store.kv_get("ns", "k") == 2
    store.kv_delete("ns", "k")
    store.kv_delete("ns", "never-there")
    assert store.kv_get("ns", "k") is None
    assert store.kv_get("other", "k") == "x"


def test_meta_sets_and_overwrites(store: Store) -> None:
    assert store.meta_get("secret") is None
    store.meta_set("secret", "s1")
    store.meta_set("secret", "s2")
    assert store.meta_get("secret") == "s2"


def test_meta_setdefault_keeps_the_first_value_from_any_process(stores: Stores) -> None:
    first, second = stores.open(), stores.open()
    assert first.meta_setdefault("jwt-secret", "from-first") == "from-first"
    assert second.meta_setdefault("jwt-secret", "from-second") == "from-first"
    assert second.meta_get("jwt-secret") == "from-first"


def test_meta_add_starts_from_zero_and_accumulates(store: Store) -> None:
    assert store.meta_add("offset", 30.5) == 30.5
    assert store.meta_add("offset", 3600) == 3630.5
    assert float(store.meta_get("offset") or 0) == 3630.5


def test_meta_add_from_two_processes_at_once_loses_nothing(stores: Stores) -> None:
    first, second = stores.open(), stores.open()

    def add(target: Store) -> None:
        for _ in range(25):
            target.meta_add("offset", 1.0)

    threads = [threading.Thread(target=add, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert float(first.meta_get("offset") or 0) == 50.0


def test_kv_increment_counts_from_one_across_store_instances(stores: Stores) -> None:
    first, second = stores.open(), stores.open()
    assert first.kv_increment("seq", "pets") == 1
    assert second.kv_increment("seq", "pets") == 2
    assert first.kv_increment("seq", "other") == 1
    assert first.kv_get("seq", "pets") == 2
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.extend(stores.open().kv_increment("seq", "race") for _ in range(20))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == list(range(1, 61))
