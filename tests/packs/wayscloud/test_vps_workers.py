"""VPS creates racing on two workers of one ``twinstack serve``: no address twice, one VPS per hostname."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import LiveServer, tenant_credentials
from tests.packs.wayscloud.conftest import API, api_key
from tests.packs.wayscloud.test_vps import CREATE
from tests.store.pg import scratch_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state_args(request: pytest.FixtureRequest) -> Iterator[tuple[str, ...]]:
    """Where two workers keep their one state: the SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield ()
        return
    with scratch_database("twinstack_wayscloud") as url:
        yield ("--database-url", url)


def test_racing_creates_on_two_workers(make_server: Callable[..., LiveServer], state_args: tuple[str, ...]) -> None:
    server = make_server("--workers", "2", "--speed", "instant", "--services", "wayscloud", *state_args)
    with server.http() as http:
        keys = [tenant_credentials(http)["credentials"]["wayscloud"]["api_key"] for _ in range(2)]

    def create(n: int, hostname: str | None = None) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            return http.post(f"{API}/vps", headers=api_key(keys[n % 2]),
                             json={**CREATE, "hostname": hostname or f"node{n}.example.com"})

    with ThreadPoolExecutor(max_workers=12) as pool:
        made = [r.json() for r in pool.map(create, range(32))]
        same = sorted(r.status_code for r in pool.map(lambda n: create(0, "same.example.com"), range(12)))
    assert len({m["ipv4"] for m in made}) == 32 and len({m["ipv6"] for m in made}) == 32
    assert same == [201] + [409] * 11
