"""SSH public keys of an account: parsed for real, fingerprinted as ``ssh-keygen -lf`` does, one per fingerprint.

A key is ``<type> <base64 blob> [comment]``; the blob's own first field must name the same type and
its fields must be what that type carries (RSA: exponent and modulus; Ed25519: a 32-byte point;
ECDSA P-256: the curve name and a point). ``fingerprint`` is ``SHA256:`` + the unpadded base64 of the
SHA-256 of the blob. Uniqueness per account is a row keyed by the fingerprint, taken with an insert
only one caller wins. ``vm_count`` is a guarded counter per key that VPS creation bumps for every
registered key it is given (``note_vps_keys``); deleting a key leaves those VPS untouched.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from typing import Any

from twinstack.engine.twin import Twin

SUPPORTED = ("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256")
INVALID_FORMAT = "Invalid SSH key format. Supported types: ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256"
DUPLICATE = "SSH key with this fingerprint is already registered"

KEYS = "account/ssh-keys"
"""Store collection: key id -> ``SSHKeyItem`` without ``vm_count`` (plus the public key, private)."""
FINGERPRINTS = "account/ssh-key-fingerprints"
"""Store collection: fingerprint -> ``{"key_id"}``, the account's one key with that fingerprint."""

_FIELDS = {"ssh-rsa": 2, "ssh-ed25519": 1, "ecdsa-sha2-nistp256": 2}
"""Fields after the type name in each kind of blob."""


@dataclass(slots=True)
class PublicKey:
    key_type: str
    blob: bytes
    comment: str

    @property
    def fingerprint(self) -> str:
        return "SHA256:" + base64.b64encode(hashlib.sha256(self.blob).digest()).decode().rstrip("=")


def parse(text: str) -> PublicKey | None:
    """The key in an OpenSSH public key line, or None when it is not a supported, well-formed key."""
    parts = text.strip().split(None, 2)
    if len(parts) < 2 or parts[0] not in SUPPORTED:
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    fields = _fields(blob)
    if fields is None or len(fields) != 1 + _FIELDS[parts[0]] or fields[0] != parts[0].encode():
        return None
    if parts[0] == "ssh-ed25519" and len(fields[1]) != 32:
        return None
    if parts[0] == "ecdsa-sha2-nistp256" and (fields[1] != b"nistp256" or len(fields[2]) != 65):
        return None
    return PublicKey(parts[0], blob, parts[2] if len(parts) > 2 else "")


def _fields(blob: bytes) -> list[bytes] | None:
    """The length-prefixed strings a key blob is made of; None unless they fill it exactly."""
    out: list[bytes] = []
    at = 0
    while at < len(blob):
        if at + 4 > len(blob):
            return None
        (size,) = struct.unpack(">I", blob[at:at + 4])
        at += 4
        if size == 0 or at + size > len(blob):
            return None
        out.append(blob[at:at + size])
        at += size
    return out


def _vm_counter(tenant: str) -> str:
    return f"wayscloud/ssh-key-vms/{tenant}"


def vm_count(twin: Twin, tenant: str, key_id: str) -> int:
    return int(twin.store.counters(_vm_counter(tenant), key_id).get("vms", 0))


def item(twin: Twin, tenant: str, record: dict[str, Any]) -> dict[str, Any]:
    """The ``SSHKeyItem`` shown for a stored key."""
    shown = {k: v for k, v in record.items() if not k.startswith("_")}
    shown["vm_count"] = vm_count(twin, tenant, str(record["id"]))
    return shown


def add(twin: Twin, tenant: str, key_id: str, name: str, key: PublicKey, created_at: str) -> dict[str, Any] | None:
    """Register ``key``; None when the account already has a key with its fingerprint."""
    fingerprint = key.fingerprint
    record = {"id": key_id, "name": name, "fingerprint": fingerprint, "key_type": key.key_type,
              "created_at": created_at, "_public_key": f"{key.key_type} {base64.b64encode(key.blob).decode()}"}
    with twin.store.transaction():
        if not twin.collection(tenant, FINGERPRINTS).insert(fingerprint, {"key_id": key_id}):
            return None
        twin.collection(tenant, KEYS).put(key_id, record)
    return record


def remove(twin: Twin, tenant: str, key_id: str) -> bool:
    """Forget a key and its fingerprint; False when the account has no such key."""
    keys = twin.collection(tenant, KEYS)
    record = keys.get(key_id)
    if record is None:
        return False
    with twin.store.transaction():
        # Two deletes racing: only the one that removed the key releases its fingerprint.
        if not keys.delete(key_id):
            return False
        twin.collection(tenant, FINGERPRINTS).delete(str(record["fingerprint"]))
        twin.store.drop_counters(_vm_counter(tenant), key_id)
    return True


def note_vps_keys(twin: Twin, tenant: str, public_keys: list[str]) -> None:
    """A VPS was created with these public keys: each registered one now serves one more VM."""
    fingerprints = {parsed.fingerprint for parsed in map(parse, public_keys) if parsed is not None}
    found = twin.collection(tenant, FINGERPRINTS).get_many(sorted(fingerprints))
    for row in found.values():
        twin.store.adjust(_vm_counter(tenant), str(row["key_id"]), {"vms": 1})
