"""A guard the pack suites turn on: a whole-collection read while the twin serves fails the test.

``Store.list`` loads a collection, which the store keeps for start-up and
control-plane work; a pack's request path looks state up through declared
indexes instead. With this fixture imported into a pack's ``conftest.py``,
every test of that pack using ``client`` proves its requests do.
"""

from __future__ import annotations

from typing import Any, NoReturn

import pytest


@pytest.fixture(autouse=True)
def no_whole_collection_reads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "client" not in request.fixturenames:
        return
    store = request.getfixturevalue("client").app.state.runtime.store

    def refuse(service: str, tenant: str, collection: str, **window: Any) -> NoReturn:
        raise AssertionError(f"{service}: the whole collection {collection!r} was read while serving a request")

    monkeypatch.setattr(store, "list", refuse)
