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

Either claim succeeds for one caller only, so a primary address needs no row
of its own: the instance record holds it from its launch until the task that
ends the instance returns it. Each additional address is one row of the
cloud-wide state keyed by the address itself, inserted with the store's atomic
insert-if-absent, and found by instance through an index. Private addresses
and MACs (Proxmox's ``BC:24:11`` prefix) are derived from the instance, so
they need no bookkeeping.
"""

from __future__ import annotations

import functools
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
    block, host = divmod(number, inventory.ADDRESSES_PER_BLOCK)
    return str(ipaddress.IPv4Address(_first(region) + (block << (32 - BLOCK_PREFIX)) + host + 2))


def slot(region: str, ip: str) -> int:
    """Where ``ip`` stands among every address of the cloud (0-based): the regions' pools interleaved."""
    offset = int(ipaddress.IPv4Address(ip)) - _first(region)
    number = (offset >> (32 - BLOCK_PREFIX)) * inventory.ADDRESSES_PER_BLOCK + (offset & 0xFF) - 2
    return number * len(REGIONS) + list(REGIONS).index(region)


@functools.cache
def _first(region: str) -> int:
    """The region's documentation range as a number (the catalogue never changes)."""
    return int(ipaddress.ip_network(REGIONS[region].network).network_address)


def take(account: Account, region: str, factor: int | None = None) -> str | None:
    """Claim an address of ``region`` (a released one first); None when the pool is empty.

    ``factor`` is the inventory multiplier when the caller has read it already. An instance's
    primary address is this and nothing more: the instance record holds it.
    """
    return next(_candidates(account, region, factor), None)


def assign(account: Account, instance: Record) -> Record | None:
    """Give the instance an additional address of its region on its next interface; None when the pool is empty."""
    instance_id = str(instance["uuid"])
    interface = _next_interface(of_instance(account, instance))
    pool = account.shared(COLLECTION)
    for ip in _candidates(account, str(instance["region"]), None):
        row = {"ip_address": ip, "region": instance["region"], "tenant": account.tenant, "instance_id": instance_id,
               "interface": interface, "is_primary": False, "mac_address": mac_address(instance_id, interface),
               "assigned_at": account.now()}
        if pool.insert(ip, row):
            return row
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
    """Return an additional address to its region's free list (a second call does nothing)."""
    pool = account.shared(COLLECTION)
    row = pool.get(ip)
    if row is None or not pool.delete(ip):
        return
    _free(account, ip, str(row["region"]))


def _free(account: Account, ip: str, region: str) -> None:
    account.shared(FREE).put(ip, {"ip_address": ip, "region": region})


def release_all(account: Account, instance_id: str, holder: Record | None) -> None:
    """Return the instance's additional addresses, and the primary one of ``holder`` (its record, while it holds one).

    Call once per instance for the primary (the task that ends it does: see ``provisioning``).
    """
    for row in account.shared(COLLECTION).find({"instance_id": instance_id}).items:
        release(account, str(row["ip_address"]))
    if holder is not None and holder.get("ip_address") and holder.get("region") in REGIONS:
        _free(account, str(holder["ip_address"]), str(holder["region"]))


def primary(instance: Record) -> Record:
    """The instance's primary address as a pool row, made from its record (``net0``, assigned at launch)."""
    instance_id = str(instance["uuid"])
    return {"ip_address": instance["ip_address"], "region": instance.get("region"), "instance_id": instance_id,
            "interface": "net0", "is_primary": True, "mac_address": mac_address(instance_id, "net0"),
            "assigned_at": instance.get("_created")}


def of_instance(account: Account, instance: Record) -> list[Record]:
    """The instance's addresses, primary first, then by interface."""
    rows = account.shared(COLLECTION).find({"instance_id": str(instance["uuid"])}).items
    if instance.get("ip_address") and not any(r.get("ip_address") == instance["ip_address"] for r in rows):
        # Primaries stored as rows by earlier versions are listed as they are.
        rows.append(primary(instance))
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
