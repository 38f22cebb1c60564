"""Armed faults are state: two ``twinstack serve`` processes on one PostgreSQL database apply the same faults.

A fault armed through one process reaches calls served by the other, its ``count`` is spent once across
both, and clearing it through either clears it everywhere (each process re-reads the armed faults when
their version changes, checked every ``faults.RECHECK_S``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer
from tests.store.pg import scratch_database
from twinstack.control.faults import RECHECK_S

pytestmark = pytest.mark.postgres


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    with scratch_database("twinstack_faults") as url:
        args = ["--speed", "instant", "--services", "wayscloud", "--database-url", url, "--no-embedded-databases"]
        first, second = LiveServer(tmp_path / "a", args), LiveServer(tmp_path / "b", args)
        first.start()
        second.start()
        try:
            yield first, second
        finally:
            first.stop()
            second.stop()


def vps_status(server: LiveServer, key: str) -> int:
    return httpx.get(server.url + "/wayscloud/v1/vps", headers={"X-API-Key": key}, timeout=10).status_code


def test_a_fault_armed_through_one_process_is_applied_and_counted_by_both(pair: tuple[LiveServer, LiveServer]) -> None:
    first, second = pair
    key = httpx.post(first.url + "/_twinstack/tenants", timeout=30).json()["credentials"]["wayscloud"]["api_key"]
    armed = httpx.post(first.url + "/_twinstack/faults", timeout=10, json={
        "service": "wayscloud", "operation": "listVps", "status": 401, "count": 2})
    assert armed.status_code == 201
    time.sleep(RECHECK_S * 2)  # the other process's view may be this old

    assert [vps_status(second, key), vps_status(first, key)] == [401, 401]
    assert [vps_status(second, key), vps_status(first, key)] == [200, 200]  # the count is spent across both
    [listed] = httpx.get(second.url + "/_twinstack/faults", timeout=10).json()["faults"]
    assert (listed["id"], listed["hits"], listed["remaining"]) == (armed.json()["id"], 2, 0)

    httpx.post(second.url + "/_twinstack/faults", timeout=10, json={
        "service": "wayscloud", "operation": "listVps", "status": 401})
    time.sleep(RECHECK_S * 2)
    assert vps_status(first, key) == 401
    assert httpx.delete(second.url + "/_twinstack/faults", timeout=10).json() == {"cleared": 2}
    time.sleep(RECHECK_S * 2)
    assert vps_status(first, key) == 200
