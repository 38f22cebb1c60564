"""The public IP pool: one per region, shared by every tenant, never handing out an address twice.

Each assigned address is one row of the cloud-wide state keyed by the address
itself, inserted with the store's atomic insert-if-absent: of two launches
(in any worker) that pick the same free address, exactly one gets it and the
other moves on to the next. A released address is deleted from the pool and
is the first candidate of the next assignment (lowest free address first).

Addresses come from the region's documentation range (``.1`` is the
gateway, ``/24``); private addresses and MACs (Proxmox's ``BC:24:11`` prefix)
are derived from the instance, so they need no bookkeeping.
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from twinstack.packs.bluelobster.catalogue import REGIONS
from twinstack.packs.bluelobster.records import Account, Record

COLLECTION = "ip_pool"
MAC_PREFIX = "BC:24:11"
"""Proxmox's OUI for generated NICs."""
EXTRA_IP_CENTS_PER_MONTH = 300
"""An additional IP is "Billed at $3.00/month"."""


def assign(account: Account, region: str, instance_id: str, primary: bool) -> Record | None:
    """Give the instance the lowest free address of ``region`` on its next interface; None when the pool is empty."""
    network = ipaddress.ip_network(REGIONS[region].network)
    rows = account.shared_all(COLLECTION)
    taken = {str(row["ip_address"]) for row in rows}
    interface = "net0" if primary else _next_interface([r for r in rows if r.get("instance_id") == instance_id])
    # Host addresses after the gateway (the network's first host), lowest first; only free ones become text.
    first, last = int(network.network_address) + 2, int(network.broadcast_address) - 1
    for number in range(first, last + 1):
        ip = str(ipaddress.ip_address(number))
        if ip in taken:
            continue
        row = {"ip_address": ip, "region": region, "tenant": account.tenant, "instance_id": instance_id,
               "interface": interface, "is_primary": primary, "mac_address": mac_address(instance_id, interface),
               "assigned_at": account.now()}
        if account.shared_claim(COLLECTION, ip, row):
            return row
        # Another launch took this address between the listing and the insert: try the next one.
    return None


def release(account: Account, ip: str) -> None:
    account.shared_delete(COLLECTION, ip)


def release_all(account: Account, instance_id: str) -> None:
    for row in of_instance(account, instance_id):
        release(account, str(row["ip_address"]))


def of_instance(account: Account, instance_id: str) -> list[Record]:
    """The instance's addresses, primary first, then by interface."""
    rows = [r for r in account.shared_all(COLLECTION) if r.get("instance_id") == instance_id]
    return sorted(rows, key=lambda r: (not r.get("is_primary"), _interface_number(str(r.get("interface")))))


def view(account: Account, row: Record) -> dict[str, Any]:
    """One address as ``GET /instances/{id}/ips`` lists it."""
    network = ipaddress.ip_network(REGIONS[str(row["region"])].network)
    return {"ip_address": row["ip_address"], "is_primary": bool(row.get("is_primary")),
            "interface": row.get("interface"), "mac_address": row.get("mac_address"),
            "gateway": str(next(network.hosts())), "netmask": str(network.netmask),
            "assigned_at": account.iso(float(row.get("assigned_at") or 0.0))}


def cidr(ip: str | None, region: str | None) -> str | None:
    """The address as the instance log writes it (``38.29.145.239/24``)."""
    if not ip or region not in REGIONS:
        return ip
    return f"{ip}/{ipaddress.ip_network(REGIONS[str(region)].network).prefixlen}"


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
