"""DNSSEC keys of a zone: one ECDSAP256SHA256 key signing everything (a combined signing key), its DNSKEY and DS.

The private key travels as PKCS#8 PEM text, so a pack can keep it in its state; the loaded form is kept
per process by its text (a key never changes once made; a new key is new text).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import dns.dnssec
import dns.dnssectypes
import dns.name
import dns.rdata
import dns.rdataset
import dns.rrset
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from twinstack.drivers.dns.values import ALGORITHM_NAME

ALGORITHM = dns.dnssectypes.Algorithm[ALGORITHM_NAME]
DIGEST = "SHA256"
"""DS digest type 2."""
KEY_FLAGS = 257
"""ZONE + SEP: the one key is both key-signing and zone-signing."""
SIGNATURE_LIFETIME_S = 7 * 86400
SIGNATURE_BACKDATE_S = 3600
"""Signatures start an hour early, for resolvers whose clocks lag."""


def new_private_key() -> str:
    """A fresh P-256 private key as PKCS#8 PEM text."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


@dataclass(frozen=True, slots=True)
class ZoneKey:
    """A loaded key: what signs, and the DNSKEY that publishes it."""

    private: ec.EllipticCurvePrivateKey
    dnskey: dns.rdata.Rdata

    @property
    def key_tag(self) -> int:
        return dns.dnssec.key_id(self.dnskey)  # type: ignore[arg-type]

    def ds(self, zone: str) -> dns.rdata.Rdata:
        return dns.dnssec.make_ds(_absolute(zone), self.dnskey, DIGEST)

    def ds_text(self, zone: str, ttl: int) -> str:
        """``example.com. 3600 IN DS <tag> 13 2 <DIGEST>`` as the API lists it."""
        return f"{_absolute(zone).to_text()} {ttl} IN DS {self.ds(zone).to_text().upper()}"

    def sign(self, rrset: dns.rrset.RRset, zone: str, now: float) -> dns.rdata.Rdata:
        """The RRSIG of ``rrset`` made by this key at twin time ``now``."""
        return dns.dnssec.sign(rrset, self.private, _absolute(zone), self.dnskey,  # type: ignore[arg-type]
                               inception=now - SIGNATURE_BACKDATE_S, expiration=now + SIGNATURE_LIFETIME_S)


@functools.lru_cache(maxsize=256)
def load(pem: str) -> ZoneKey:
    """The key of this PEM text (loaded once per process)."""
    private = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ValueError("not an ECDSA key")
    return ZoneKey(private, dns.dnssec.make_dnskey(private.public_key(), ALGORITHM, flags=KEY_FLAGS))


def _absolute(zone: str) -> dns.name.Name:
    return dns.name.from_text(zone.rstrip(".") + ".")
