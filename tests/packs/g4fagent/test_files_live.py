"""Optimistic concurrency against a real ``twinstack serve --workers 2``: of many writers with one etag, one wins."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API


@pytest.mark.slow
def test_concurrent_writers_with_the_same_etag_across_workers(make_server: Any) -> None:
    server = make_server("--speed", "instant", "--workers", "2")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        creds = tenant_credentials(http)["credentials"]["g4fagent"]
        token = http.post(f"{API}/auth/login", json={"method": "password", **creds}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        pid = http.post(f"{API}/projects", headers=headers, json={"name": "race"}).json()["project"]["id"]
        etag = http.put(f"{API}/projects/{pid}/files/content", headers=headers,
                        json={"path": "race.txt", "text": "base\n"}).json()["etag"]

    def write(n: int) -> tuple[int, str]:
        # A client of its own per writer: separate connections, spread over both server processes.
        with httpx.Client(base_url=server.url, timeout=30) as own:
            response = own.put(f"{API}/projects/{pid}/files/content", headers=headers,
                               json={"path": "race.txt", "text": f"writer {n}\n", "etag": etag})
            return response.status_code, f"writer {n}\n"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(write, range(16)))
    winners = [text for status, text in results if status == 200]
    assert len(winners) == 1, results
    assert sorted(status for status, _ in results) == [200] + [409] * 15
    with httpx.Client(base_url=server.url, timeout=30) as http:
        read = http.get(f"{API}/projects/{pid}/files/content", headers=headers, params={"path": "race.txt"}).json()
    assert read["text"] == winners[0]
