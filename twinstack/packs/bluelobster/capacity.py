"""Host capacity: what each host has left, and reserving it for an instance.

Every instance holds one allocation row (cores, memory, storage, GPUs on one
host) in the cloud-wide state from its launch until its delete task completes
(or its creation fails). What a host has left is its inventory minus its
rows, so ``GET /instances/available`` always agrees with what launches took.

Reserving is insert-then-verify: the row is inserted (atomically, keyed by the
instance), then the host's total is recounted and the row withdrawn if the
host is over-committed. Two processes racing for the last slot may both
withdraw, but a host is never booked beyond its inventory.
"""

from __future__ import annotations

from dataclasses import dataclass

from twinstack.packs.bluelobster.catalogue import REGIONS, Host, InstanceType, Region, hosts_in
from twinstack.packs.bluelobster.records import Account

COLLECTION = "host_allocations"


@dataclass(frozen=True, slots=True)
class Resources:
    """An amount of one host's resources."""

    cores: int
    memory: int
    """GB."""
    storage: int
    """GB."""
    gpus: int = 0

    @classmethod
    def of_type(cls, instance_type: InstanceType) -> Resources:
        return cls(instance_type.vcpus, instance_type.memory_gib, instance_type.storage_gib, instance_type.gpus)

    @classmethod
    def of_host(cls, host: Host) -> Resources:
        return cls(host.cores, host.memory, host.storage, host.gpus)

    def minus(self, other: Resources) -> Resources:
        return Resources(self.cores - other.cores, self.memory - other.memory, self.storage - other.storage,
                         self.gpus - other.gpus)

    def covers(self, need: Resources) -> bool:
        return (self.cores >= need.cores and self.memory >= need.memory and self.storage >= need.storage
                and self.gpus >= need.gpus)

    def view(self) -> dict[str, int]:
        return {"cores": self.cores, "memory": self.memory, "storage": self.storage, "gpus": self.gpus}


def used(account: Account) -> dict[str, Resources]:
    """What the allocations of every tenant take, per host."""
    totals: dict[str, Resources] = {}
    for row in account.shared_all(COLLECTION):
        held = Resources(int(row["cores"]), int(row["memory"]), int(row["storage"]), int(row["gpus"]))
        before = totals.get(str(row["host_id"]), Resources(0, 0, 0, 0))
        totals[str(row["host_id"])] = Resources(before.cores + held.cores, before.memory + held.memory,
                                                before.storage + held.storage, before.gpus + held.gpus)
    return totals


def free(account: Account, host: Host, taken: dict[str, Resources] | None = None) -> Resources:
    taken = used(account) if taken is None else taken
    return Resources.of_host(host).minus(taken.get(host.id, Resources(0, 0, 0, 0)))


def suits(host: Host, need: Resources, gpu_model: str | None) -> bool:
    """Whether ``host`` has the right kind of GPU for the need (any host suits a CPU-only need)."""
    return need.gpus == 0 or gpu_model is None or host.gpu_model == gpu_model


def place(account: Account, region: str, need: Resources, gpu_model: str | None,
          taken: dict[str, Resources] | None = None) -> Host | None:
    """The host of ``region`` a launch goes to: the first that fits, GPU-less hosts first for CPU-only needs."""
    taken = used(account) if taken is None else taken
    candidates = [h for h in hosts_in(region) if suits(h, need, gpu_model)]
    if need.gpus == 0:
        # GPUs are the scarce part: CPU-only instances fill hosts without GPUs before the others.
        candidates.sort(key=lambda h: h.gpus > 0)
    return next((h for h in candidates if free(account, h, taken).covers(need)), None)


def regions_with_capacity(account: Account, instance_type: InstanceType,
                          taken: dict[str, Resources] | None = None) -> list[Region]:
    need = Resources.of_type(instance_type)
    taken = used(account) if taken is None else taken
    return [r for r in REGIONS.values() if place(account, r.name, need, instance_type.gpu_model, taken) is not None]


def reserve(account: Account, host: Host, need: Resources, instance_id: str) -> bool:
    """Book ``need`` on ``host`` for the instance; False (and nothing booked) when it does not fit."""
    if not free(account, host).covers(need):
        return False
    row = {"host_id": host.id, "instance_id": instance_id, "tenant": account.tenant, **need.view()}
    if not account.shared_claim(COLLECTION, instance_id, row):
        return False
    if not Resources.of_host(host).covers(used(account).get(host.id, need)):
        account.shared_delete(COLLECTION, instance_id)
        return False
    return True


def release(account: Account, instance_id: str) -> None:
    """Give the instance's resources back to its host (a second call does nothing)."""
    account.shared_delete(COLLECTION, instance_id)
