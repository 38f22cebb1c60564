"""The signature scheme as a receiver checks it: ``t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>``."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from twinstack.drivers.webhooks import SignatureError, new_secret, signature_header, verify

BODY = b'{"id":"evt_1","type":"database.provisioned","created_at":"2026-01-01T00:00:00Z","data":{}}'


def test_the_header_is_a_plain_hmac_any_receiver_can_recompute() -> None:
    secret = new_secret()
    header = signature_header(secret, BODY, 1_700_000_000)
    expected = hmac.new(secret.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify(secret, header, BODY, tolerance=60, now=1_700_000_030) == 1_700_000_000


def test_secrets_are_whsec_and_32_base62_characters_and_never_repeat() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_") and len(first) == 38 and first[6:].isalnum()
    assert first != second


@pytest.mark.parametrize(
    ("secret", "body", "now", "message"),
    [
        ("whsec_other", BODY, 1_700_000_000, "no v1 signature matches"),
        ("whsec_right", BODY + b" ", 1_700_000_000, "no v1 signature matches"),
        ("whsec_right", BODY, 1_700_000_301, "outside the 300 s tolerance"),
        ("whsec_right", BODY, 1_699_999_699, "outside the 300 s tolerance"),
    ],
    ids=["wrong-secret", "tampered-body", "too-old", "from-the-future"],
)
def test_verify_refuses_a_wrong_secret_a_changed_body_and_a_stale_timestamp(
    secret: str, body: bytes, now: float, message: str
) -> None:
    header = signature_header("whsec_right", BODY, 1_700_000_000)
    with pytest.raises(SignatureError, match=message):
        verify(secret, header, body, tolerance=300, now=now)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("v1=abc", "no t= timestamp"),
        ("t=1700000000", "no v1= signature"),
        ("t=soon,v1=abc", "not an integer"),
        ("garbage", "malformed"),
    ],
)
def test_verify_refuses_malformed_headers(header: str, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        verify("whsec_right", header, BODY, tolerance=None)


def test_any_of_several_v1_values_may_match_and_the_age_check_can_be_skipped() -> None:
    good = signature_header("whsec_right", BODY, 1000).split(",")[1]
    assert verify("whsec_right", f"t=1000,v1={'0' * 64},{good}", BODY.decode(), tolerance=None) == 1000
