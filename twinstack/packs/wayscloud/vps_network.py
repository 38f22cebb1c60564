"""The VPS address pool: one run of IPv4 and IPv6 addresses per region, shared by every tenant.

An address is the region's ``n``-th, where ``n`` comes from one guarded
per-region counter moved by one (``store.adjust``), so two creates racing on
any number of workers never get the same ``n``, and the pool's size bounds it.
A region's IPv4 pool is sixteen /24 blocks, ``.2``-``.254`` of each behind the
gateway ``.1``; the same ``n`` picks the VPS's ``/64`` of the region's IPv6
prefix (its ``::1``). Addresses are not handed out again after a delete, so a
deleted VPS's address never points at another customer's machine.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from twinstack.store import Store

NAMESPACE = "wayscloud:vps-addresses"
"""Counter namespace: per region, ``next`` = addresses handed out so far."""
_IPV4 = {"oslo": "185.35.192.0/20", "stockholm": "185.35.208.0/20", "frankfurt": "185.35.224.0/20"}
_IPV6 = {"oslo": "2a01:4f9:c010::/48", "stockholm": "2a01:4f9:c020::/48", "frankfurt": "2a01:4f9:c030::/48"}
_HOSTS_PER_BLOCK = 253
_BLOCKS = 16
POOL_SIZE = _HOSTS_PER_BLOCK * _BLOCKS
"""Addresses per region."""


@dataclass(frozen=True, slots=True)
class Addresses:
    ipv4: str
    ipv6: str


def address(region: str, number: int) -> Addresses:
    """The region's ``number``-th pair of addresses (0-based)."""
    block, host = divmod(number, _HOSTS_PER_BLOCK)
    v4 = ipaddress.ip_network(_IPV4[region]).network_address + (block << 8) + host + 2
    v6 = ipaddress.ip_network(_IPV6[region]).network_address + (number << 64) + 1
    return Addresses(str(v4), str(v6))


def allocate(store: Store, region: str) -> Addresses | None:
    """The next free pair of ``region``; None when the region's pool is used up."""
    moved = store.adjust(NAMESPACE, region, {"next": 1}, within={"next": (0, POOL_SIZE)})
    return None if moved is None else address(region, moved["next"] - 1)
