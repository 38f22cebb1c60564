"""How big the simulated cloud is: the catalogue's hosts and address ranges, times a multiplier.

The catalogue names one plausible inventory; a benchmark or a large test that
launches thousands of instances needs more. ``POST
/_twinstack/bluelobster/inventory`` ``{"multiplier": N}`` makes every host
N times its catalogue size (cores, memory, storage, GPUs) and gives each
region's IP pool N of its /24 blocks (see ``ip_pool``), so N times the
launches fit. The multiplier is part of the state: it survives restarts, goes
into snapshots, and ``/_twinstack/reset`` brings it back to 1. Lowering it
takes nothing back from running instances; launches wait until enough is
released.

It is kept as one more field (``SCALE``) of every host's usage counters
(``capacity``), so the launch that reads what a host has given out reads how
big the host is in the same look-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from twinstack.packs.bluelobster.catalogue import HOSTS, Host, InstanceType
from twinstack.packs.bluelobster.records import Account

MAX_MULTIPLIER = 10_000
"""Enough for hundreds of thousands of instances; keeps the regions' address blocks apart."""
ADDRESSES_PER_BLOCK = 253
"""Each /24 block hands out ``.2``-``.254`` (``.1`` is its gateway, ``.255`` its broadcast)."""
USAGE = "host_usage"
"""Counter namespace (under the service's slug) of the hosts' usage: one key per host."""
SCALE = "multiplier"
"""The usage counters' field holding the multiplier (every host the same; absent is 1)."""


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
    def of_counters(cls, values: dict[str, int]) -> Resources:
        return cls(values.get("cores", 0), values.get("memory", 0), values.get("storage", 0), values.get("gpus", 0))

    def times(self, factor: int) -> Resources:
        return Resources(self.cores * factor, self.memory * factor, self.storage * factor, self.gpus * factor)

    def plus(self, other: Resources) -> Resources:
        return Resources(self.cores + other.cores, self.memory + other.memory, self.storage + other.storage,
                         self.gpus + other.gpus)

    def minus(self, other: Resources) -> Resources:
        return Resources(self.cores - other.cores, self.memory - other.memory, self.storage - other.storage,
                         self.gpus - other.gpus)

    def covers(self, need: Resources) -> bool:
        return (self.cores >= need.cores and self.memory >= need.memory and self.storage >= need.storage
                and self.gpus >= need.gpus)

    def view(self) -> dict[str, int]:
        return {"cores": self.cores, "memory": self.memory, "storage": self.storage, "gpus": self.gpus}


def usage_space(account: Account) -> str:
    return account.counter_space(USAGE)


def scale_of(values: dict[str, int]) -> int:
    """The multiplier recorded among a host's usage counters."""
    value = values.get(SCALE, 0)
    return value if value >= 1 else 1


def multiplier(account: Account) -> int:
    """The current multiplier (1 until a control sets one)."""
    return scale_of(account.store.counters(usage_space(account), next(iter(HOSTS))))


def set_multiplier(account: Account, value: int) -> None:
    store, space = account.store, usage_space(account)
    with store.transaction():
        for host in HOSTS:
            # Moved to exactly ``value`` or not at all: a control racing this one makes it read again.
            while store.adjust(space, host, {SCALE: value - store.counters(space, host).get(SCALE, 0)},
                               within={SCALE: (value, value)}) is None:
                pass


def of_host(host: Host, factor: int) -> Resources:
    """What ``host`` has in all at multiplier ``factor``."""
    return Resources(host.cores, host.memory, host.storage, host.gpus).times(factor)


def pool_size(factor: int) -> int:
    """How many public addresses each region's pool holds at multiplier ``factor``."""
    return ADDRESSES_PER_BLOCK * factor
