"""Host capacity: what each host has left, and reserving it for an instance.

What each host has given out is a guarded counter of the store (one key per
host, fields ``cores``, ``memory``, ``storage``, ``gpus``, next to the
inventory multiplier), read once and moved in the transaction of the launch
within ``(0, inventory)``: two launches racing for the last slot, in any
worker, cannot both get it, and ``GET /instances/available`` reads a handful
of counters instead of every instance.

An instance holds its amounts (``host_id``, ``cpu_cores``, ``memory``,
``storage``, ``gpu_count`` of its record) from its launch until its delete task
completes or its creation fails. Those are task effects, applied once per task
(``task_runner``), and only one of them ends an instance, so what it held is
given back once.
"""

from __future__ import annotations

from twinstack.packs.bluelobster import inventory
from twinstack.packs.bluelobster.catalogue import HOSTS, REGIONS, Host, InstanceType, Region, hosts_in
from twinstack.packs.bluelobster.inventory import Resources
from twinstack.packs.bluelobster.records import Account, Record

def _usage(account: Account, host: Host) -> tuple[Resources, int]:
    """What the instances of every tenant hold on ``host``, and the inventory multiplier, in one read."""
    values = account.store.counters(inventory.usage_space(account), host.id)
    return Resources.of_counters(values), inventory.scale_of(values)


def used(account: Account, host: Host) -> Resources:
    """What the instances of every tenant hold on ``host``."""
    return _usage(account, host)[0]


def free(account: Account, host: Host) -> Resources:
    held, factor = _usage(account, host)
    return inventory.of_host(host, factor).minus(held)


def suits(host: Host, need: Resources, gpu_model: str | None) -> bool:
    """Whether ``host`` has the right kind of GPU for the need (any host suits a CPU-only need)."""
    return need.gpus == 0 or gpu_model is None or host.gpu_model == gpu_model


def candidates(region: str, need: Resources, gpu_model: str | None) -> list[Host]:
    """The hosts of ``region`` a launch may go to, in the order it tries them."""
    found = [h for h in hosts_in(region) if suits(h, need, gpu_model)]
    if need.gpus == 0:
        # GPUs are the scarce part: CPU-only instances fill hosts without GPUs before the others.
        found.sort(key=lambda h: h.gpus > 0)
    return found


def left_by_host(account: Account) -> dict[str, Resources]:
    """What every host has left now (one counter read per host: the catalogue has a handful)."""
    return {host.id: free(account, host) for host in HOSTS.values()}


def regions_with_capacity(instance_type: InstanceType, left: dict[str, Resources]) -> list[Region]:
    need = Resources.of_type(instance_type)
    return [r for r in REGIONS.values()
            if any(left[h.id].covers(need) for h in candidates(r.name, need, instance_type.gpu_model))]


class Raced(Exception):
    """A host's counter moved between the read that found room and the booking (another worker booked it).

    Raised out of the caller's transaction, which undoes what the booking had moved; the caller looks again.
    """


def reserve(account: Account, host: Host, need: Resources) -> int | None:
    """Book ``need`` on ``host``: the inventory multiplier it fitted at, or None (nothing booked) when it does not fit.

    Call in the launch's transaction: the amounts move together in one guarded adjust, all or none; when
    another worker took the room first it is refused (``Raced``).
    """
    held, factor = _usage(account, host)
    total = inventory.of_host(host, factor)
    if not total.minus(held).covers(need):
        return None
    limits = total.view()
    amounts = {k: v for k, v in need.view().items() if v}
    within = {k: (0, limits[k]) for k in amounts}
    if amounts and account.store.adjust(inventory.usage_space(account), host.id, amounts, within=within) is None:
        raise Raced(host.id)
    return factor


def place(account: Account, region: str, need: Resources, gpu_model: str | None) -> tuple[Host, int] | None:
    """Reserve ``need`` on the first host of ``region`` that fits; the host and the multiplier, or None."""
    for host in candidates(region, need, gpu_model):
        factor = reserve(account, host, need)
        if factor is not None:
            return host, factor
    return None


def held_by(instance: Record) -> Resources:
    return Resources(int(instance.get("cpu_cores") or 0), int(instance.get("memory") or 0),
                     int(instance.get("storage") or 0), int(instance.get("gpu_count") or 0))


def release(account: Account, instance: Record) -> None:
    """Give what ``instance`` holds back to its host (once per instance: see the module's docstring)."""
    back = {k: -v for k, v in held_by(instance).view().items() if v}
    if back and instance.get("host_id") in HOSTS:
        account.store.adjust(inventory.usage_space(account), str(instance["host_id"]), back)
