"""Target policy: which URLs a delivery may go to. Only literal addresses and localhost names are used,
so no test asks a DNS server anything."""

from __future__ import annotations

import asyncio

import pytest

from twinstack.drivers.webhooks import TargetPolicy


def refusal(policy: TargetPolicy, url: str) -> str | None:
    return asyncio.run(policy.refusal(url))


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/h", "http://localhost/h", "http://10.1.2.3/h", "https://93.184.216.34/h", "http://[::1]:80/"],
)
def test_the_default_policy_allows_every_class(url: str) -> None:
    assert refusal(TargetPolicy(), url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.7/h", "10.0.0.7, private address"),
        ("http://192.168.1.1/h", "192.168.1.1, private address"),
        ("http://93.184.216.34/h", "93.184.216.34, public address"),
        ("http://224.0.0.1/h", "special-purpose address"),
    ],
)
def test_loopback_only_refuses_everything_else_naming_the_address_and_its_class(url: str, reason: str) -> None:
    message = refusal(TargetPolicy.parse("loopback"), url)
    assert message is not None and reason in message and "refused by the webhook target policy" in message


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8000/h", "http://api.localhost/h", "http://127.0.0.1/h", "http://[::1]/h", "http://0.0.0.0/h"],
)
def test_loopback_only_allows_loopback_and_localhost_names_and_public_only_refuses_them(url: str) -> None:
    assert refusal(TargetPolicy.parse("loopback"), url) is None
    message = refusal(TargetPolicy.parse("public"), url)
    assert message is not None and "loopback address" in message


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data", "http://100.64.0.1/", "http://[fd00::1]/", "http://[::ffff:10.0.0.1]/"],
)
def test_no_private_ranges_refuses_metadata_cgnat_ula_and_mapped_private_addresses(url: str) -> None:
    message = refusal(TargetPolicy.parse("loopback,public"), url)
    assert message is not None and "private address" in message


def test_the_allow_list_takes_hosts_wildcards_addresses_and_ranges_whatever_their_class() -> None:
    policy = TargetPolicy.parse("10.20.0.0/16, hooks.internal, *.example.test, 192.168.5.5")
    for url in ("http://10.20.3.4/", "http://hooks.internal/", "https://a.b.example.test/", "http://192.168.5.5/"):
        assert refusal(policy, url) is None, url
    for url in ("http://10.21.0.1/", "http://127.0.0.1/", "http://192.168.5.6/"):
        assert refusal(policy, url) is not None, url


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file", "/relative/path", "http:///no-host"])
def test_anything_but_an_absolute_http_url_is_refused(url: str) -> None:
    message = refusal(TargetPolicy(), url)
    assert message is not None and "not an absolute http(s) URL" in message


@pytest.mark.parametrize("spec", ["", " , ", "not a host!", "*.", "10.0.0.0/33"])
def test_a_policy_that_names_nothing_usable_is_refused_at_parse(spec: str) -> None:
    with pytest.raises(ValueError):
        TargetPolicy.parse(spec)


def test_any_allows_everything() -> None:
    assert TargetPolicy.parse("any") == TargetPolicy()
    assert TargetPolicy.parse("loopback,private,public").allows_everything
