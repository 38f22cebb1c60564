"""The contract suite covers the whole ``Store`` protocol, and both implementations provide it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from twinstack.store import Store, open_store
from twinstack.store.postgres import PostgresStore
from twinstack.store.sqlite import SqliteStore

PROTOCOL_METHODS = sorted(
    name for name, _ in inspect.getmembers(Store, inspect.isfunction) if not name.startswith("_")
)


@pytest.mark.parametrize("implementation", [SqliteStore, PostgresStore])
def test_each_implementation_provides_every_protocol_method(implementation: type) -> None:
    missing = [name for name in PROTOCOL_METHODS if not callable(getattr(implementation, name, None))]
    assert missing == []


def test_every_protocol_method_is_called_by_the_contract_suite() -> None:
    suite = "".join(path.read_text() for path in Path(__file__).parent.glob("test_*.py"))
    called = set(re.findall(r"\.(\w+)\(", suite))
    # ``close`` is called by the fixtures that open the stores.
    assert [name for name in PROTOCOL_METHODS if name not in called and name != "close"] == []


def test_a_sqlite_url_names_the_database_file(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.db"
    store = open_store(f"sqlite:///{target}", tmp_path / "data")
    try:
        store.put_tenant("t1", "one", {}, 1.0)
    finally:
        store.close()
    assert target.exists()
    reopened = open_store(f"sqlite:///{target}", tmp_path / "other")
    try:
        assert reopened.get_tenant("t1") is not None
    finally:
        reopened.close()
