"""The DNS twin with several server processes: ``--workers 2`` sharing one port, and two servers on one
PostgreSQL state each answering what was written through the other."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import dns.message
import dns.query
import pytest

from tests.conftest import LiveServer, tenant_credentials
from tests.packs.wayscloud.conftest import API, api_key
from tests.packs.wayscloud.test_dns_server import free_dns_port
from tests.store.pg import scratch_database


def _a(port: int, name: str) -> set[str]:
    response = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=5)
    return {rdata.to_text() for rrset in response.answer for rdata in rrset}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state_args(request: pytest.FixtureRequest) -> Iterator[tuple[str, ...]]:
    if request.param == "sqlite":
        yield ()
        return
    with scratch_database("twinstack_wayscloud_dns") as url:
        yield ("--database-url", url)


def test_two_workers_share_the_port_and_answer_every_change_at_once(make_server: Callable[..., LiveServer],
                                                                   state_args: tuple[str, ...]) -> None:
    port = free_dns_port()
    server = make_server("--workers", "2", "--speed", "instant", "--services", "wayscloud", "--dns-port", str(port),
                         *state_args)
    with server.http() as http:
        keys = api_key(tenant_credentials(http)["credentials"]["wayscloud"]["api_key"])
        assert http.post(f"{API}/dns/zones", headers=keys, json={"domain": "workers.test"}).status_code == 201
        made = http.post(f"{API}/dns/zones/workers.test/records", headers=keys,
                         json={"record_type": "A", "host": "www", "record": "192.0.2.1"}).json()
        asked = 0
        for n in range(2, 12):
            # Each change goes through whichever worker takes the request, each query to whichever the
            # kernel picks: every answer must already be the new one.
            changed = http.put(f"{API}/dns/zones/workers.test/records/{made['id']}", headers=keys,
                               json={"record": f"192.0.2.{n}"})
            assert changed.status_code == 200, changed.text
            for _ in range(3):
                assert _a(port, "www.workers.test") == {f"192.0.2.{n}"}
                asked += 1
        stats = http.get(f"{API}/dns/zones/workers.test/statistics", headers=keys).json()
        assert stats["total_queries"] == asked == 30
        assert server.log_path is not None and "cannot listen" not in server.log_path.read_text()


@pytest.mark.postgres
def test_two_servers_on_one_postgresql_answer_what_the_other_wrote(make_server: Callable[..., LiveServer]) -> None:
    with scratch_database("twinstack_wayscloud_dns2") as url:
        ports = free_dns_port(), free_dns_port()
        first, second = (make_server("--speed", "instant", "--services", "wayscloud", "--database-url", url,
                                     "--dns-port", str(p)) for p in ports)
        with first.http() as one, second.http() as two:
            keys = api_key(tenant_credentials(one)["credentials"]["wayscloud"]["api_key"])
            assert one.post(f"{API}/dns/zones", headers=keys, json={"domain": "shared.test"}).status_code == 201
            made = one.post(f"{API}/dns/zones/shared.test/records", headers=keys,
                            json={"record_type": "A", "host": "db", "record": "198.51.100.1"}).json()
            assert _a(ports[1], "db.shared.test") == {"198.51.100.1"}
            assert two.put(f"{API}/dns/zones/shared.test/records/{made['id']}", headers=keys,
                           json={"record": "198.51.100.2"}).status_code == 200
            assert _a(ports[0], "db.shared.test") == {"198.51.100.2"}
