"""The public IP pool: one per region, shared by every tenant, never handing out an address twice.

A region's pool is a run of /24 blocks starting at its documentation range
(``198.51.100.0/24``; one block per unit of the inventory multiplier, see
``inventory``), each handing out ``.2``-``.254`` behind its gateway ``.1``.
An assignment takes, in this order:

1. a released address: released addresses wait in a cloud-wide free list
   (indexed by region), oldest release first; an address is claimed by
   deleting its free-list row, which succeeds for exactly one caller of any
   worker;
2. the next never-used address: a guarded per-region high-water counter
   moved by one, within the pool's size.

Each assigned address is then one row of the cloud-wide state keyed by the
address itself, inserted with the store's atomic insert-if-absent, and found
by instance through an index. Private addresses and MACs (Proxmox's
``BC:24:11`` prefix) are derived from the instance, so they need no
bookkeeping.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterator
from typing import Any

from twinstack.packs.bluelobster import inventory
from twinstack.packs.bluelobster.catalogue import REGIONS
from twinstack.packs.bluelobster.records import Account, Record

COLLECTION = "ip_pool"
"""Assigned addresses, keyed by address."""
FREE = "ip_free"
"""Released addresses waiting to be handed out again, keyed by address."""
HIGH_WATER = "ip_high_water"
"""Counter namespace (under the service's slug): per region, ``next`` never-used addresses handed out so far."""
BLOCK_PREFIX = 24
MAC_PREFIX = "BC:24:11"
"""Proxmox's OUI for generated NICs."""
EXTRA_IP_CENTS_PER_MONTH = 300
"""An additional IP is "Billed at $3.00/month"."""
_FREE_BATCH = 8


def address(region: str, number: int) -> str:
    """The region's ``number``-th address (0-based), the same whatever the multiplier."""
    base = int(ipaddress.ip_network(REGIONS[region].network).network_address)
    block, host = divmod(number, inventory.ADDRESSES_PER_BLOCK)
    return str(ipaddress.ip_address(base + (block << (32 - BLOCK_PREFIX)) + host + 2))


def assign(account: Account, region: str, instance_id: str, primary: bool, factor: int | None = None) -> Record | None:
    """Give the instance an address of ``region`` on its next interface; None when the pool is empty.

    ``factor`` is the inventory multiplier when the caller has read it already.
    """
    interface = "net0" if primary else _next_interface(of_instance(account, instance_id))
    pool = account.shared(COLLECTION)
    for ip in _candidates(account, region, factor):
        row = {"ip_address": ip, "region": region, "tenant": account.tenant, "instance_id": instance_id,
               "interface": interface, "is_primary": primary, "mac_address": mac_address(instance_id, interface),
               "assigned_at": account.now()}
        if pool.insert(ip, row):
            return row
        # Held already (a state from before the free list): the next candidate.
    return None


def _candidates(account: Account, region: str, factor: int | None) -> Iterator[str]:
    free = account.shared(FREE)
    while True:
        waiting = free.find({"region": region}, limit=_FREE_BATCH).items
        if not waiting:
            break
        for row in waiting:
            if free.delete(str(row["ip_address"])):
                yield str(row["ip_address"])
    size = inventory.pool_size(inventory.multiplier(account) if factor is None else factor)
    space = account.counter_space(HIGH_WATER)
    while (moved := account.store.adjust(space, region, {"next": 1}, within={"next": (0, size)})) is not None:
        yield address(region, moved["next"] - 1)


def release(account: Account, ip: str) -> None:
    """Return an address to its region's free list (a second call does nothing)."""
    pool = account.shared(COLLECTION)
    row = pool.get(ip)
    if row is None or not pool.delete(ip):
        return
    account.shared(FREE).put(ip, {"ip_address": ip, "region": row["region"]})


def release_all(account: Account, instance_id: str) -> None:
    for row in of_instance(account, instance_id):
        release(account, str(row["ip_address"]))


def of_instance(account: Account, instance_id: str) -> list[Record]:
    """The instance's addresses, primary first, then by interface."""
    rows = account.shared(COLLECTION).find({"instance_id": instance_id}).items
    return sorted(rows, key=lambda r: (not r.get("is_primary"), _interface_number(str(r.get("interface")))))


def _block(ip: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(f"{ip}/{BLOCK_PREFIX}", strict=False)


def view(account: Account, row: Record) -> dict[str, Any]:
    """One address as ``GET /instances/{id}/ips`` lists it."""
    block = _block(str(row["ip_address"]))
    return {"ip_address": row["ip_address"], "is_primary": bool(row.get("is_primary")),
            "interface": row.get("interface"), "mac_address": row.get("mac_address"),
            "gateway": str(block.network_address + 1), "netmask": str(block.netmask),
            "assigned_at": account.iso(float(row.get("assigned_at") or 0.0))}


def cidr(ip: str | None, region: str | None) -> str | None:
    """The address as the instance log writes it (``38.29.145.239/24``)."""
    if not ip or region not in REGIONS:
        return ip
    return f"{ip}/{BLOCK_PREFIX}"


def internal_ip(region: str, vmid: int) -> str:
    """The instance's private address, fixed by its region and Proxmox vmid."""
    return f"{REGIONS[region].internal_prefix}.{(vmid // 250) % 256}.{vmid % 250 + 2}"


def mac_address(instance_id: str, interface: str) -> str:
    digest = hashlib.sha256(f"{instance_id}:{interface}".encode()).digest()
    return MAC_PREFIX + "".join(f":{b:02X}" for b in digest[:3])


def _interface_number(interface: str) -> int:
    digits = interface.removeprefix("net")
    return int(digits) if digits.isdigit() else 0


def _next_interface(rows: list[Record]) -> str:
    used = {_interface_number(str(r.get("interface"))) for r in rows}
    return f"net{next(n for n in range(1, len(used) + 2) if n not in used)}"
