"""Guarded counters: adjust moves fields all or nothing within bounds, even when processes race for the last unit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.store.conftest import Stores, fresh_stores
from tests.store.processes import run_together
from twinstack.store import Store

NS = "quota"


def test_absent_fields_count_zero(store: Store) -> None:
    assert store.counters(NS, "acct") == {}
    assert store.adjust(NS, "acct", {"cpus": 4}) == {"cpus": 4}
    assert store.adjust(NS, "acct", {"cpus": -1, "disks": 2}) == {"cpus": 3, "disks": 2}
    assert store.counters(NS, "acct") == {"cpus": 3, "disks": 2}
    assert store.adjust(NS, "acct", {"ram": 0}) == {"ram": 0}
    assert store.counters(NS, "acct") == {"cpus": 3, "disks": 2, "ram": 0}


def test_bounds_are_inclusive_and_one_sided_bounds_leave_the_other_side_open(store: Store) -> None:
    assert store.adjust(NS, "acct", {"used": 3}, within={"used": (0, 3)}) == {"used": 3}
    assert store.adjust(NS, "acct", {"used": 1}, within={"used": (0, 3)}) is None
    assert store.adjust(NS, "acct", {"used": -3}, within={"used": (0, 3)}) == {"used": 0}
    assert store.adjust(NS, "acct", {"used": -1}, within={"used": (0, None)}) is None
    assert store.adjust(NS, "acct", {"used": 10**12}, within={"used": (0, None)}) == {"used": 10**12}
    assert store.adjust(NS, "acct", {"used": -(10**12) - 5}, within={"used": (None, 0)}) == {"used": -5}
    assert store.adjust(NS, "acct", {"used": 1}, within={"used": (None, None)}) == {"used": -4}
    assert store.counters(NS, "acct") == {"used": -4}


def test_a_first_adjust_outside_the_bounds_creates_nothing(store: Store) -> None:
    assert store.adjust(NS, "acct", {"used": 5}, within={"used": (0, 4)}) is None
    assert store.adjust(NS, "acct", {"used": -1}, within={"used": (0, 4)}) is None
    assert store.counters(NS, "acct") == {}
    assert store.adjust(NS, "acct", {"used": -1}, within={"used": (-1, 4)}) == {"used": -1}


def test_several_fields_move_all_or_nothing(store: Store) -> None:
    store.adjust(NS, "acct", {"cpus": 2, "ram": 8})
    grab = {"cpus": 2, "ram": 4, "disks": 1}
    limits = {"cpus": (0, 4), "ram": (0, 10)}
    assert store.adjust(NS, "acct", grab, within=limits) is None
    assert store.counters(NS, "acct") == {"cpus": 2, "ram": 8}
    assert store.adjust(NS, "acct", {"cpus": 2, "ram": 2, "disks": 1}, within=limits) == {"cpus": 4, "ram": 10,
                                                                                         "disks": 1}
    # Refused by the field sorting first, then by the one sorting last: either way nothing moves.
    assert store.adjust(NS, "acct", {"cpus": 1, "zones": 1}, within=limits) is None
    assert store.adjust(NS, "acct", {"aaa": 1, "ram": 1}, within=limits) is None
    assert store.counters(NS, "acct") == {"cpus": 4, "ram": 10, "disks": 1}


def test_a_refused_adjust_inside_a_transaction_changes_nothing_and_the_rest_commits(store: Store) -> None:
    store.adjust(NS, "acct", {"used": 1})
    with store.transaction():
        store.kv_put("ns", "k", "kept")
        assert store.adjust(NS, "acct", {"fresh": 1, "used": 5}, within={"used": (0, 3)}) is None
        assert store.adjust(NS, "acct", {"used": 5}, within={"used": (0, 3)}) is None
        assert store.adjust(NS, "acct", {"used": 1}, within={"used": (0, 3)}) == {"used": 2}
    assert store.counters(NS, "acct") == {"used": 2}
    assert store.kv_get("ns", "k") == "kept"


def test_an_adjust_rolled_back_with_its_transaction_is_undone(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction():
            assert store.adjust(NS, "acct", {"used": 1, "other": 2}) == {"used": 1, "other": 2}
            raise RuntimeError("abort")
    assert store.counters(NS, "acct") == {}


def test_counters_are_kept_per_namespace_and_key(store: Store) -> None:
    store.adjust(NS, "a", {"n": 1})
    store.adjust(NS, "b", {"n": 2})
    store.adjust("other", "a", {"n": 3})
    assert (store.counters(NS, "a"), store.counters(NS, "b"), store.counters("other", "a")) == ({"n": 1}, {"n": 2},
                                                                                                 {"n": 3})


def test_drop_counters_forgets_one_key_or_a_whole_namespace(store: Store) -> None:
    for key in ("a", "b"):
        store.adjust(NS, key, {"n": 1, "m": 1})
    store.adjust("other", "a", {"n": 1})
    store.drop_counters(NS, "a")
    assert store.counters(NS, "a") == {} and store.counters(NS, "b") == {"n": 1, "m": 1}
    assert store.adjust(NS, "a", {"n": 1}, within={"n": (0, 1)}) == {"n": 1}
    store.drop_counters(NS)
    assert store.counters(NS, "a") == {} and store.counters(NS, "b") == {}
    assert store.counters("other", "a") == {"n": 1}
    store.drop_counters("never-used")


def test_counters_travel_in_snapshots_and_go_with_a_reset(store: Store, stores: Stores, tmp_path: Path,
                                                          request: pytest.FixtureRequest) -> None:
    store.adjust(NS, "acct", {"cpus": 3, "ram": 16})
    snapshot = dict(orjson.loads(orjson.dumps(store.export())))
    store.reset()
    assert store.counters(NS, "acct") == {}
    target = fresh_stores(stores.kind, tmp_path, request, slot="target").open()
    target.adjust(NS, "acct", {"cpus": 100})
    target.adjust(NS, "stale", {"n": 1})
    target.import_(snapshot)
    assert target.counters(NS, "acct") == {"cpus": 3, "ram": 16}
    assert target.counters(NS, "stale") == {}
    assert target.adjust(NS, "acct", {"cpus": 1}, within={"cpus": (0, 4)}) == {"cpus": 4}
    assert target.adjust(NS, "acct", {"cpus": 1}, within={"cpus": (0, 4)}) is None


_GRAB_WHEN_TOLD = """
import json, sys
from pathlib import Path
from twinstack.store import open_store
url, data_dir, attempts, bound = sys.argv[1] or None, Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = open_store(url, data_dir)
print("ready", flush=True)
sys.stdin.readline()
granted = {"single": 0, "pair": 0, "booking": 0}
seen = []
for _ in range(attempts):
    got = store.adjust("quota", "single", {"used": 1}, within={"used": (0, bound)})
    if got is not None:
        granted["single"] += 1
        seen.append(got["used"])
    got = store.adjust("quota", "pair", {"used": 1, "free": -1}, within={"used": (None, bound), "free": (0, None)})
    if got is not None:
        granted["pair"] += 1
        seen.append(got["used"])
        seen.append(bound - got["free"])
    # Several fields, each free to start absent: the whole booking is one guarded statement.
    got = store.adjust("quota", "booking", {"cores": 2, "memory": 3}, within={"cores": (0, 2 * bound), "memory": (0, 3 * bound)})
    if got is not None:
        granted["booking"] += 1
        seen.append(got["cores"] // 2)
store.close()
print(json.dumps({"granted": granted, "seen": seen}), flush=True)
"""


def test_processes_racing_for_a_bounded_counter_never_over_allocate(stores: Stores) -> None:
    bound, workers = 120, 3
    attempts = bound  # together the workers ask for three times what there is
    stores.open().adjust(NS, "pair", {"free": bound})
    argv = [stores.url or "", str(stores.data_dir), str(attempts), str(bound)]
    outputs = run_together(_GRAB_WHEN_TOLD, [argv] * workers)
    reports: list[dict[str, Any]] = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    for name in ("single", "pair", "booking"):
        assert sum(r["granted"][name] for r in reports) == bound
    # No process ever saw a value past the bound, and no two saw the same one: each unit went to one grab.
    seen = [value for r in reports for value in r["seen"]]
    assert max(seen) == bound
    assert sorted(seen) == sorted([*range(1, bound + 1)] * 4)
    check = stores.open()
    assert check.counters(NS, "single") == {"used": bound}
    assert check.counters(NS, "pair") == {"used": bound, "free": 0}
    assert check.counters(NS, "booking") == {"cores": 2 * bound, "memory": 3 * bound}


def test_counters_of_many_keys_in_one_look_up(store: Store) -> None:
    store.adjust(NS, "a", {"m_01": 2, "m_02": 1})
    store.adjust(NS, "b", {"m_01": 5})
    store.adjust("other", "a", {"m_01": 9})
    keys = [f"k{n}" for n in range(1200)] + ["b", "a", "a"]  # more than one statement's worth of keys
    found = store.counters_many(NS, keys)
    assert found["a"] == {"m_01": 2, "m_02": 1} and found["b"] == {"m_01": 5}
    assert set(found) == set(keys) and all(found[f"k{n}"] == {} for n in range(1200))
    assert store.counters_many(NS, []) == {}
