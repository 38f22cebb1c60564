"""Every corpus collection with an item route, driven through HTTP as a client would: create, read it
back, find it listed, update it and see the change, delete it, and get 404 (see ``chains.py``)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.corpus.chains import (
    Chain,
    ChainRunner,
    Document,
    compile_document,
    id_candidates,
    mentions,
    unwrap,
)
from tests.corpus.documents import DOCUMENTS

COMPILED: dict[str, Document] = {slug: compile_document(target) for slug, target in DOCUMENTS.items()}
IDENTITY = ("id", "uuid", "sid")
"""Fields that name the resource itself, beside the item route's parameter (see ``_same_fields``)."""

KNOWN_DEFECTS: dict[tuple[str, str], str] = {
}
"""Chains that fail on an engine defect today: strict xfails, so a fix shows up as a pass to claim."""

CHAINS = [pytest.param(slug, collection, id=f"{slug}:{collection}",
                       marks=[pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[(slug, collection)])]
                       if (slug, collection) in KNOWN_DEFECTS else [])
          for slug, document in COMPILED.items() for collection in document.chains]


@pytest.fixture(scope="module")
def credentials(corpus_server: LiveServer) -> dict[str, dict[str, Any]]:
    response = httpx.post(corpus_server.url + "/_twinstack/tenants", json={"name": "chains"}, timeout=30)
    response.raise_for_status()
    return dict(response.json()["credentials"])


def _create(runner: ChainRunner, chain: Chain, seed: str) -> tuple[dict[str, str], str, Any]:
    """Path values of the new resource's item route (parents included), its id, and the body sent."""
    document = runner.document
    plan, read_plan = chain.plans["create"], chain.plans["read"]
    values: dict[str, str] = {}
    if plan.parent is not None and plan.parent_param is not None:
        parent = document.chains.get(plan.parent)
        assert parent is not None, f"{plan.parent} (parent of {chain.collection}) has no create and read"
        parent_values, parent_id, _ = _create(runner, parent, seed + "|parent")
        values.update(parent_values)
        values[plan.parent_param] = parent_id
        values = {k: v for k, v in values.items() if k in plan.scope_params or k == plan.parent_param}
    created, sent = runner.send(chain.operations["create"], values, seed)
    assert created.status_code in chain.operations["create"].success_statuses, runner.log[-1]
    assert read_plan.id_param is not None
    for candidate in id_candidates(created, read_plan.id_param):
        found, _ = runner.send(chain.operations["read"], {**values, read_plan.id_param: candidate}, seed)
        if found.is_success:
            return {**values, read_plan.id_param: candidate}, candidate, sent
    raise AssertionError(f"the created resource is not found by {chain.operations['read'].operation_id}: "
                         + "\n".join(runner.log[-4:]))


def _same_fields(sent: Any, read: Any, id_param: str) -> list[str]:
    """Top-level scalar fields sent that the read body shows with another value.

    The resource's identity is left out: where the document lets the client send an ``id``, the engine
    may still assign its own, and the chain follows the one the create answered. A scalar sent where the
    resource holds a list (``to: "a@b"`` read as ``["a@b"]``) is the same value.
    """
    if not isinstance(sent, dict) or not isinstance(read, dict):
        return []
    return [f"{k}: sent {v!r}, read {read[k]!r}" for k, v in sent.items()
            if k in read and k.lower() not in (*IDENTITY, id_param.lower()) and not isinstance(v, (dict, list))
            and read[k] != v and read[k] != [v]]


@pytest.mark.conformance
@pytest.mark.parametrize(("slug", "collection"), CHAINS)
def test_crud_chain(slug: str, collection: str, corpus_server: LiveServer,
                    credentials: dict[str, dict[str, Any]]) -> None:
    document = COMPILED[slug]
    chain = document.chains[collection]
    with httpx.Client(timeout=30) as http:
        runner = ChainRunner(document, http, DOCUMENTS[slug].base_url(corpus_server.url), credentials.get(slug, {}))
        values, rid, sent = _create(runner, chain, f"{slug}{collection}")
        read, _ = runner.send(chain.operations["read"], values, "read")
        assert read.status_code == 200 or read.is_success, runner.log[-1]
        id_param = str(chain.plans["read"].id_param)
        assert not _same_fields(sent, unwrap(read.json()), id_param), (sent, runner.log)

        if "list" in chain.operations:
            listing, _ = runner.send(chain.operations["list"], {k: v for k, v in values.items()
                                                                 if k in chain.plans["list"].scope_params}, "list")
            assert listing.is_success, runner.log[-1]
            assert mentions(listing.json(), rid), f"{rid} is not listed: {runner.log[-1]}"

        kind = "update" if "update" in chain.operations else "replace" if "replace" in chain.operations else None
        if kind is not None:
            updated, changes = runner.send(chain.operations[kind], values, "changed")
            assert updated.is_success, runner.log[-1]
            after, _ = runner.send(chain.operations["read"], values, "read")
            assert after.is_success, runner.log[-1]
            assert not _same_fields(changes, unwrap(after.json()), id_param), (changes, runner.log)

        if "delete" in chain.operations:
            deleted, _ = runner.send(chain.operations["delete"], values, "delete")
            assert deleted.is_success, runner.log[-1]
            gone, _ = runner.send(chain.operations["read"], values, "read")
            assert gone.status_code == 404, runner.log[-1]
