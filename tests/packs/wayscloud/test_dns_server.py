"""The DNS twin as a resolver sees it: dnspython queries over UDP and TCP to a live ``twinstack serve``
started with a free ``--dns-port``, answering the records made through the API."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import httpx
import pytest

from tests.conftest import LiveServer, tenant_credentials
from tests.packs.wayscloud.conftest import API, api_key

ZONE = "example.test"


def free_dns_port() -> int:
    """A port free for both UDP and TCP on loopback."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket() as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


class Twin:
    """The live twin, its DNS port, and a fresh tenant's service-key headers."""

    def __init__(self, server: LiveServer, port: int) -> None:
        self.server = server
        self.port = port
        self.http = server.http()
        creds = tenant_credentials(self.http)["credentials"]["wayscloud"]
        self.headers = api_key(creds["api_key"])
        self.account = {"Authorization": f"Bearer {creds['pat']}"}

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, f"{API}{path}", headers=self.headers, **kwargs)

    def record(self, **body: Any) -> dict[str, Any]:
        response = self.api("POST", f"/dns/zones/{ZONE}/records", json=body)
        assert response.status_code == 201, response.text
        made: dict[str, Any] = response.json()
        return made

    def udp(self, name: str, rdtype: str, **kwargs: Any) -> dns.message.Message:
        return dns.query.udp(dns.message.make_query(name, rdtype, **kwargs), "127.0.0.1", port=self.port, timeout=5)

    def tcp(self, name: str, rdtype: str, **kwargs: Any) -> dns.message.Message:
        return dns.query.tcp(dns.message.make_query(name, rdtype, **kwargs), "127.0.0.1", port=self.port, timeout=5)


@pytest.fixture(scope="module")
def _dns_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, int]]:
    port = free_dns_port()
    server = LiveServer(tmp_path_factory.mktemp("wayscloud-dns") / "state",
                        ["--speed", "instant", "--strict", "--services", "wayscloud", "--dns-port", str(port)])
    server.start()
    yield server, port
    server.stop()


@pytest.fixture
def twin(_dns_server: tuple[LiveServer, int]) -> Iterator[Twin]:
    server, port = _dns_server
    server.reset()
    made = Twin(server, port)
    assert made.api("POST", "/dns/zones", json={"domain": ZONE}).status_code == 201
    yield made
    made.http.close()


def _texts(response: dns.message.Message, rdtype: str) -> set[str]:
    wanted = dns.rdatatype.from_text(rdtype)
    return {rdata.to_text() for rrset in response.answer if rrset.rdtype == wanted for rdata in rrset}


def test_health_lists_the_dns_endpoint_the_server_answers_on(twin: Twin) -> None:
    endpoints = twin.http.get("/_twinstack/health").json()["endpoints"]
    assert endpoints["dns"] == f"dns://127.0.0.1:{twin.port}"
    log = twin.server.log_path
    assert log is not None and f"dns          dns://127.0.0.1:{twin.port}" in log.read_text()


def test_a_record_made_through_the_api_is_answered_over_udp_and_tcp_and_follows_changes(twin: Twin) -> None:
    made = twin.record(record_type="A", host="www", record="192.0.2.10", ttl=300)
    for ask in (twin.udp, twin.tcp):
        response = ask(f"www.{ZONE}", "A")
        assert response.rcode() == dns.rcode.NOERROR and response.flags & dns.flags.AA
        assert _texts(response, "A") == {"192.0.2.10"}
        assert response.answer[0].ttl == 300
    path = f"/dns/zones/{ZONE}/records/{made['id']}"
    assert twin.api("PUT", path, json={"record": "192.0.2.99"}).status_code == 200
    assert _texts(twin.udp(f"www.{ZONE}", "A"), "A") == {"192.0.2.99"}
    assert twin.api("DELETE", path).status_code == 200
    gone = twin.tcp(f"www.{ZONE}", "A")
    assert gone.rcode() == dns.rcode.NXDOMAIN and not gone.answer


def test_every_record_type_is_answered_as_stored(twin: Twin) -> None:
    twin.record(record_type="AAAA", host="@", record="2001:db8::1")
    twin.record(record_type="MX", host="@", record="mail.example.test", priority=10)
    twin.record(record_type="TXT", host="@", record='v=spf1 include:"x" -all')
    twin.record(record_type="SRV", host="_sip._tcp", record="5 5060 sip.example.test", priority=20)
    twin.record(record_type="CAA", host="@", record='0 issue "letsencrypt.org"')
    twin.record(record_type="CNAME", host="alias", record="www.example.test")
    twin.record(record_type="A", host="www", record="192.0.2.1")
    assert _texts(twin.udp(ZONE, "AAAA"), "AAAA") == {"2001:db8::1"}
    assert _texts(twin.udp(ZONE, "MX"), "MX") == {"10 mail.example.test."}
    assert _texts(twin.udp(ZONE, "TXT"), "TXT") == {'"v=spf1 include:\\"x\\" -all"'}
    assert _texts(twin.udp(f"_sip._tcp.{ZONE}", "SRV"), "SRV") == {"20 5 5060 sip.example.test."}
    assert _texts(twin.udp(ZONE, "CAA"), "CAA") == {'0 issue "letsencrypt.org"'}
    chased = twin.udp(f"alias.{ZONE}", "A")
    assert _texts(chased, "CNAME") == {"www.example.test."} and _texts(chased, "A") == {"192.0.2.1"}
    soa = twin.udp(ZONE, "SOA")
    assert next(iter(soa.answer[0])).mname.to_text() == "grieg.wayscloud.no."  # type: ignore[attr-defined]
    assert _texts(twin.udp(ZONE, "NS"), "NS") == {"grieg.wayscloud.no.", "bohr.wayscloud.dk.",
                                                  "lindgren.wayscloud.se.", "aalto.wayscloud.fi."}


def test_absent_names_are_nxdomain_empty_ones_nodata_and_other_zones_refused(twin: Twin) -> None:
    twin.record(record_type="A", host="a.b", record="192.0.2.1")
    absent = twin.udp(f"nothing.{ZONE}", "A")
    assert absent.rcode() == dns.rcode.NXDOMAIN
    assert absent.authority[0].rdtype == dns.rdatatype.SOA
    for nodata in (twin.udp(f"a.b.{ZONE}", "MX"), twin.udp(f"b.{ZONE}", "A")):
        assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer
        assert nodata.authority[0].rdtype == dns.rdatatype.SOA
    outside = twin.udp("example.org", "A")
    assert outside.rcode() == dns.rcode.REFUSED and not outside.flags & dns.flags.AA


def test_a_wildcard_answers_names_that_do_not_exist(twin: Twin) -> None:
    twin.record(record_type="A", host="*.apps", record="192.0.2.50")
    twin.record(record_type="A", host="real.apps", record="192.0.2.51")
    assert _texts(twin.udp(f"anything.apps.{ZONE}", "A"), "A") == {"192.0.2.50"}
    assert _texts(twin.udp(f"real.apps.{ZONE}", "A"), "A") == {"192.0.2.51"}


def test_an_answer_too_big_for_udp_is_truncated_and_whole_over_tcp(twin: Twin) -> None:
    for i in range(12):
        twin.record(record_type="TXT", host="big", record=f"{i:02d}" + "x" * 200)
    over_udp = twin.udp(f"big.{ZONE}", "TXT")
    assert over_udp.flags & dns.flags.TC and not over_udp.answer
    assert len(_texts(twin.tcp(f"big.{ZONE}", "TXT"), "TXT")) == 12


def test_dnssec_ds_records_verify_against_the_served_dnskey(twin: Twin) -> None:
    twin.record(record_type="A", host="www", record="192.0.2.1")
    info = twin.api("POST", f"/dns/zones/{ZONE}/dnssec/activate").json()
    origin = dns.name.from_text(ZONE + ".")
    keys = twin.tcp(ZONE, "DNSKEY", want_dnssec=True)
    dnskeys = keys.find_rrset(keys.answer, origin, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    signature = keys.find_rrset(keys.answer, origin, dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.DNSKEY)
    dns.dnssec.validate(dnskeys, signature, {origin: dnskeys})
    expected = dns.dnssec.make_ds(origin, next(iter(dnskeys)), "SHA256").to_text().upper()
    assert info["ds_records"] == [f"{ZONE}. 3600 IN DS {expected}"]
    answer = twin.udp(f"www.{ZONE}", "A", want_dnssec=True)
    www = dns.name.from_text(f"www.{ZONE}.")
    a = answer.find_rrset(answer.answer, www, dns.rdataclass.IN, dns.rdatatype.A)
    dns.dnssec.validate(a, answer.find_rrset(answer.answer, www, dns.rdataclass.IN, dns.rdatatype.RRSIG,
                                             dns.rdatatype.A), {origin: dnskeys})
    assert not any(r.rdtype == dns.rdatatype.RRSIG for r in twin.udp(f"www.{ZONE}", "A").answer)
    assert twin.api("DELETE", f"/dns/zones/{ZONE}/dnssec").status_code == 200
    assert not twin.tcp(ZONE, "DNSKEY", want_dnssec=True).answer


def test_a_domain_registered_for_email_verifies_once_its_txt_record_is_served(twin: Twin) -> None:
    made = twin.http.post(f"{API}/domain-verification/domains", headers=twin.account,
                          json={"domain": ZONE, "purpose": "email"}).json()
    host, value = made["dns_instructions"]["host"], made["dns_instructions"]["value"]
    twin.record(record_type="TXT", host=host.removesuffix("." + ZONE), record=value)
    assert _texts(twin.udp(host, "TXT"), "TXT") == {f'"{value}"'}
    checked = twin.http.post(f"{API}/domain-verification/domains/{made['id']}/verify", headers=twin.account).json()
    assert (checked["status"], checked["dns_records_found"]) == ("verified", [value])


def test_statistics_count_the_queries_the_server_answered(twin: Twin) -> None:
    twin.record(record_type="A", host="www", record="192.0.2.1")
    before = twin.api("GET", f"/dns/zones/{ZONE}/statistics").json()
    assert before["queries_today"] == 0 and before["record_count"] == 1
    for _ in range(3):
        twin.udp(f"www.{ZONE}", "A")
    twin.tcp(ZONE, "MX")
    twin.udp(f"missing.{ZONE}", "TXT")
    twin.udp("elsewhere.org", "A")  # refused: no zone of this twin, so no zone's statistics
    stats = twin.api("GET", f"/dns/zones/{ZONE}/statistics").json()
    assert (stats["queries_today"], stats["queries_this_month"], stats["total_queries"]) == (5, 5, 5)
    assert stats["top_record_types"] == {"A": 3, "MX": 1, "TXT": 1}
    assert stats["response_time_ms_avg"] > 0


def test_a_dns_port_in_use_is_logged_and_http_keeps_serving(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = int(taken.getsockname()[1])
        server = LiveServer(tmp_path / "state", ["--speed", "instant", "--services", "wayscloud",
                                                 "--dns-port", str(port)])
        server.start()
        try:
            health = httpx.get(server.url + "/_twinstack/health", timeout=10).json()
            assert "dns" not in health["endpoints"]
            deadline = time.monotonic() + 10
            assert server.log_path is not None
            while "--dns-port" not in server.log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            line = next(x for x in server.log_path.read_text().splitlines() if "DNS: cannot listen" in x)
            assert f"port {port}" in line and "--dns-port" in line
        finally:
            server.stop()
