"""Host capacity: what each host has left, and reserving it for an instance.

What each host has given out is a guarded counter of the store (one key per
host, fields ``cores``, ``memory``, ``storage``, ``gpus``), moved in the
transaction of the launch within ``(0, inventory)``: two launches racing for
the last slot, in any worker, cannot both get it, and ``GET
/instances/available`` reads a handful of counters instead of every
allocation.

Every instance also holds one allocation row (its host and amounts) in the
cloud-wide state from its launch until its delete task completes (or its
creation fails). Releasing deletes that row and gives its amounts back only
when the delete removed it, so a release applied twice gives back once.
"""

from __future__ import annotations

from twinstack.packs.bluelobster import inventory
from twinstack.packs.bluelobster.catalogue import HOSTS, REGIONS, Host, InstanceType, Region, hosts_in
from twinstack.packs.bluelobster.inventory import Resources
from twinstack.packs.bluelobster.records import Account

COLLECTION = "host_allocations"
COUNTERS = "host_usage"
"""Counter namespace (under the service's slug): one key per host."""


def _space(account: Account) -> str:
    return account.counter_space(COUNTERS)


def used(account: Account, host: Host) -> Resources:
    """What the allocations of every tenant take on ``host``."""
    return Resources.of_counters(account.store.counters(_space(account), host.id))


def free(account: Account, host: Host, factor: int | None = None) -> Resources:
    factor = inventory.multiplier(account) if factor is None else factor
    return inventory.of_host(host, factor).minus(used(account, host))


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
    factor = inventory.multiplier(account)
    return {host.id: free(account, host, factor) for host in HOSTS.values()}


def regions_with_capacity(instance_type: InstanceType, left: dict[str, Resources]) -> list[Region]:
    need = Resources.of_type(instance_type)
    return [r for r in REGIONS.values()
            if any(left[h.id].covers(need) for h in candidates(r.name, need, instance_type.gpu_model))]


def reserve(account: Account, host: Host, need: Resources, instance_id: str, factor: int) -> bool:
    """Book ``need`` on ``host`` for the instance; False (and nothing booked) when it does not fit.

    Call inside the launch's transaction: the allocation row and the counters move together.
    """
    limits = inventory.of_host(host, factor)
    if not limits.minus(used(account, host)).covers(need):
        # Checked first because a refused ``adjust`` inside a transaction must not be the common case.
        return False
    allocations = account.shared(COLLECTION)
    row = {"host_id": host.id, "instance_id": instance_id, "tenant": account.tenant, **need.view()}
    if not allocations.insert(instance_id, row):
        return False
    deltas = {k: v for k, v in need.view().items() if v}
    bounds = {k: (0, v) for k, v in limits.view().items() if k in deltas}
    if deltas and account.store.adjust(_space(account), host.id, deltas, within=bounds) is None:
        # Another worker took the room between the check and the update.
        allocations.delete(instance_id)
        return False
    return True


def place(account: Account, region: str, need: Resources, gpu_model: str | None, instance_id: str,
          factor: int) -> Host | None:
    """Reserve ``need`` on the first host of ``region`` that fits; the host, or None when none does."""
    return next((h for h in candidates(region, need, gpu_model) if reserve(account, h, need, instance_id, factor)),
                None)


def release(account: Account, instance_id: str) -> None:
    """Give the instance's resources back to its host (a second call does nothing)."""
    allocations = account.shared(COLLECTION)
    row = allocations.get(instance_id)
    if row is None or not allocations.delete(instance_id):
        return
    back = {k: -int(row[k]) for k in ("cores", "memory", "storage", "gpus") if int(row.get(k) or 0)}
    if back:
        account.store.adjust(_space(account), str(row["host_id"]), back)
