"""A WAYSCloud twin whose lifecycles take their realistic time, and the clock that moves them."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.no_scans import refuse_whole_reads


@pytest.fixture
def realistic(make_client: Any, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """An in-process twin at ``--speed realistic`` (nothing moves until the clock is advanced), no scans allowed."""
    client: TestClient = make_client(speed="realistic")
    refuse_whole_reads(client.app.state.runtime.store, "wayscloud", monkeypatch)  # type: ignore[attr-defined]
    return client


def advance(client: TestClient, seconds: float) -> None:
    """``POST /_twinstack/clock/advance``."""
    assert client.post("/_twinstack/clock/advance", json={"seconds": seconds}).status_code == 200
