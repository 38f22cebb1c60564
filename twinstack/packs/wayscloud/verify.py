"""Verify: one-time codes that really verify, sent by SMS, voice call or e-mail.

A session keeps only the SHA-256 of its random numeric code. The code goes out
in the session's language (``MESSAGES``): by SMS as a ``VERIFY`` message of
the tenant's SMS service (it is listed with the tenant's SMS messages and
reaches the outbox when sent), by voice from +47 21 53 50 30 with the code
read twice, by e-mail from ``no-reply@wayscloud.net``. A session is ``pending``,
``delivered`` one second later (scaled by ``--speed``), ``expired`` at its TTL
(twin clock; both read from its timestamps), ``verified`` by the right code,
``failed`` at the fifth wrong one or when a call to the test range
(``call_failure``) is not answered, (misses are a guarded counter, so racing
guesses never get a sixth try) and ``cancelled`` by a cancel.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from typing import Any

MAX_ATTEMPTS = 5
COLLECTION = "verify/sessions"
MISSES = "wayscloud.verify-misses"
"""Counter namespace: session id -> ``misses``."""
DELIVERY_SECONDS = 1.0
VOICE_SENDER = "+4721535030"
EMAIL_SENDER = "no-reply@wayscloud.net"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
OPEN = ("pending", "delivered")
UNANSWERED_PREFIX = "+47000"
BUSY_PREFIX = "+470009"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {"text": "Your verification code is {code}. It expires in {minutes} minutes.",
           "voice": "Your verification code is {spoken}. I repeat: {spoken}.", "subject": "Your verification code"},
    "nb": {"text": "Din bekreftelseskode er {code}. Den utløper om {minutes} minutter.",
           "voice": "Din bekreftelseskode er {spoken}. Jeg gjentar: {spoken}.", "subject": "Din bekreftelseskode"},
    "sv": {"text": "Din verifieringskod är {code}. Den går ut om {minutes} minuter.",
           "voice": "Din verifieringskod är {spoken}. Jag upprepar: {spoken}.", "subject": "Din verifieringskod"},
    "da": {"text": "Din bekræftelseskode er {code}. Den udløber om {minutes} minutter.",
           "voice": "Din bekræftelseskode er {spoken}. Jeg gentager: {spoken}.", "subject": "Din bekræftelseskode"},
    "fi": {"text": "Vahvistuskoodisi on {code}. Se vanhenee {minutes} minuutissa.",
           "voice": "Vahvistuskoodisi on {spoken}. Toistan: {spoken}.", "subject": "Vahvistuskoodisi"},
}
MESSAGES["no"] = MESSAGES["nb"]


def new_code(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def matches(session: dict[str, Any], code: str) -> bool:
    return hmac.compare_digest(digest(code.strip()), str(session.get("_code_sha256", "")))


def wording(locale: str, channel: str, code: str, ttl_seconds: int) -> tuple[str, str]:
    """The message (and e-mail subject) that carries ``code``."""
    words = MESSAGES.get(locale, MESSAGES["en"])
    minutes = max(1, round(ttl_seconds / 60))
    key = "voice" if channel == "voice" else "text"
    return words[key].format(code=code, minutes=minutes, spoken=" ".join(code)), words["subject"]


def status(session: dict[str, Any], now: float) -> str:
    """The session's status at ``now``: open sessions turn delivered (or failed: an unanswered call), then
    expired, by their timestamps."""
    current = str(session["status"])
    if current in OPEN:
        if now >= float(session["_delivered_at"]) and session.get("_call_failure"):
            return "failed"
        if now >= float(session["_expires_at"]):
            return "expired"
        if now >= float(session["_delivered_at"]):
            return "delivered"
    return current


def call_failure(channel: str, recipient: str) -> str | None:
    """Calls to the test range are not answered (``+47000``, never assigned) or busy (``+470009``)."""
    if channel != "voice" or not recipient.startswith(UNANSWERED_PREFIX):
        return None
    return "voice_busy" if recipient.startswith(BUSY_PREFIX) else "voice_no_answer"


def ip_risk(client_ip: str) -> dict[str, Any]:
    """What the address itself says; no abuse reports are known to the twin (``total_reports`` 0)."""
    try:
        address = ipaddress.ip_address(client_ip.strip())
    except ValueError:
        return {"score": 0, "is_vpn": False, "is_proxy": False, "is_tor": False, "is_datacenter": False,
                "total_reports": 0, "error": "Invalid IP address"}
    return {"score": 0, "is_vpn": False, "is_proxy": False, "is_tor": False,
            "is_datacenter": False, "total_reports": 0,
            **({"error": "Private or reserved address"} if not address.is_global else {})}
