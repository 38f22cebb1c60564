"""A guard the pack suites turn on: a whole-collection read of the pack's own state fails the test.

``Store.list`` loads a collection, which the store keeps for start-up and
control-plane work; a pack's request path looks state up through declared
indexes instead. With this fixture imported into ``tests/packs/<slug>/conftest.py``,
every test there using ``client`` proves the ``<slug>`` twin's requests do
(other services' reads, such as another pack's reset hook, are let through).
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def no_whole_collection_reads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "client" not in request.fixturenames:
        return
    refuse_whole_reads(request.getfixturevalue("client").app.state.runtime.store, request.path.parent.name, monkeypatch)


def refuse_whole_reads(store: Any, slug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``store.list`` of ``slug``'s state fail the test (for twins made some other way than ``client``)."""
    whole = store.list

    def refuse(service: str, tenant: str, collection: str, **window: Any) -> Any:
        if service == slug:
            raise AssertionError(f"{service}: the whole collection {collection!r} was read while serving a request")
        return whole(service, tenant, collection, **window)

    monkeypatch.setattr(store, "list", refuse)
