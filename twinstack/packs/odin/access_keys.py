"""ODIN access keys and room tokens, in the format of 4Players' ``odin-tokens`` libraries.

An access key is 33 bytes in standard Base64 (44 characters): the version
byte ``0x01``, 31 random bytes, and a CRC-8 (polynomial 0x31, initial 0xFF) of
those 31 bytes, so the CRC-8 of bytes 1-32 is 0 for a valid key. Bytes 1-32
are the Ed25519 seed. The key id is ``0x01`` followed by the SHA-512 of the
public key folded to 8 bytes by XOR, in Base64 (12 characters).

A room token is a JWT signed with that key: header ``{"alg":"EdDSA","kid":<key id>}``
(no ``typ``), claims ``rid``, ``uid``, [``cid``], ``sub`` (``"connect"``),
[``aud``], ``exp`` (``nbf`` + 300), ``nbf`` in that order with absent ones left
out, each part compact JSON in unpadded base64url. It is built here by hand
because PyJWT would add ``typ`` and order the header its own way; any EdDSA
verifier (PyJWT included) accepts it with the key's ``pubKey``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VERSION = 0x01
KEY_BYTES = 33
TOKEN_LIFETIME = 300
"""Seconds a room token stays valid (the libraries' default)."""
DEFAULT_SUBJECT = "connect"


def crc8(data: bytes) -> int:
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x31) if crc & 0x80 else (crc << 1)
        crc &= 0xFF
    return crc


@dataclass(frozen=True, slots=True)
class AccessKey:
    """A loaded access key: its signing key and the public parts the API shows."""

    private: Ed25519PrivateKey
    public_key: bytes

    @property
    def pub_key(self) -> str:
        return base64.b64encode(self.public_key).decode()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)


def generate_access_key() -> str:
    body = bytes([VERSION]) + secrets.token_bytes(31)
    return base64.b64encode(body + bytes([crc8(body[1:])])).decode()


def load_access_key(text: str) -> AccessKey | None:
    """The key pair of a valid access key; None for anything else (wrong length, version or checksum)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if len(raw) != KEY_BYTES or raw[0] != VERSION or crc8(raw[1:]) != 0:
        return None
    private = Ed25519PrivateKey.from_private_bytes(raw[1:])
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return AccessKey(private, public)


def key_id(public_key: bytes) -> str:
    digest = hashlib.sha512(public_key).digest()
    folded = bytearray(9)
    folded[0] = VERSION
    for i in range(8):
        for j in range(8):
            folded[1 + j] ^= digest[8 * i + j]
    return base64.b64encode(bytes(folded)).decode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _part(value: dict[str, Any]) -> str:
    return _b64url(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def room_token(
    key: AccessKey, room_id: str | list[str], user_id: str, *, now: float, customer: str | None = None,
    audience: str | None = None, subject: str | list[str] = DEFAULT_SUBJECT, lifetime: int = TOKEN_LIFETIME,
) -> str:
    """A signed room token, byte for byte what ``TokenGenerator.createToken`` makes at ``now``."""
    nbf = int(now)
    claims: dict[str, Any] = {"rid": room_id, "uid": user_id}
    if customer is not None:
        claims["cid"] = customer
    claims["sub"] = subject
    if audience is not None:
        claims["aud"] = audience
    claims["exp"] = nbf + lifetime
    claims["nbf"] = nbf
    signed = f"{_part({'alg': 'EdDSA', 'kid': key.key_id})}.{_part(claims)}"
    return f"{signed}.{_b64url(key.private.sign(signed.encode()))}"
