"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<raw body>"``, sent as ``t=<unix>,v1=<hex>``.

Every delivery carries one header (its name is ``<Prefix>-Signature``, the
prefix set per service)::

    Polykomos-Signature: t=1718000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

``v1`` is the lowercase hex HMAC-SHA256 keyed with the endpoint's whole secret
(its UTF-8 bytes, ``whsec_`` prefix included) over the ASCII timestamp, a dot,
and the raw request body exactly as received. ``t`` is the Unix time at which
the attempt was signed, so each retry carries a fresh one. A receiver
recomputes the HMAC, compares it in constant time, and refuses a timestamp
too far from its own clock (replays): that is what ``verify`` does.

``t`` is wall-clock time, not twin time: the receiver checks it against its
own clock, which ``/_twinstack/clock/advance`` does not move.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import time
from collections.abc import Callable

Signer = Callable[[str, bytes, int], dict[str, str]]
"""``(secret, raw body, unix time) -> headers``: how a service signs a delivery."""

_BASE62 = string.ascii_letters + string.digits


class SignatureError(ValueError):
    """A signature header that is malformed, stale, or does not match the body."""


def new_secret(prefix: str = "whsec_", length: int = 32) -> str:
    """A fresh signing secret: ``prefix`` and ``length`` random base62 characters."""
    return prefix + "".join(secrets.choice(_BASE62) for _ in range(length))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` value: hex HMAC-SHA256 keyed by ``secret`` over ``b"<timestamp>." + body``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The header value ``t=<timestamp>,v1=<signature>``."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def timestamped_signer(header: str) -> Signer:
    """A signer that sends ``signature_header`` under the header name ``header``."""

    def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
        return {header: signature_header(secret, body, timestamp)}

    return sign


def verify(
    secret: str, header: str, body: bytes | str, tolerance: float | None = 300.0, now: float | None = None
) -> int:
    """Check a ``t=…,v1=…`` header against the raw body; the signed timestamp if it holds.

    Raises ``SignatureError`` when the header is malformed, when no ``v1``
    matches, or when ``t`` is more than ``tolerance`` seconds from ``now``
    (default: the wall clock); ``tolerance=None`` skips the age check.
    Several ``v1`` values are accepted, as a sender rotating secrets sends one per secret.
    """
    raw = body.encode() if isinstance(body, str) else body
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"malformed signature header element {part.strip()!r}")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError(f"timestamp {value!r} is not an integer") from None
        elif key == "v1":
            candidates.append(value)
    if timestamp is None:
        raise SignatureError("signature header has no t= timestamp")
    if not candidates:
        raise SignatureError("signature header has no v1= signature")
    expected = signature(secret, timestamp, raw)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("no v1 signature matches the body")
    if tolerance is not None and abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise SignatureError(f"timestamp {timestamp} is outside the {tolerance:g} s tolerance")
    return timestamp
