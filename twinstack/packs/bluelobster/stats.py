"""``GET /instances/{id}/stats``: a believable, deterministic monitoring series.

Each metric is a smooth curve through values fixed by the instance id and a
one-minute bucket of twin time, so two reads in the same moment agree, a
read a little later has moved a little, and reruns see the same numbers. A
running guest uses 2-40 % CPU and 20-70 % memory; anything not running shows
zeros (the document: "Values may be 0 if the instance is stopped"). Disk and
network are reported as the per-second rates the field names say, though the
prose calls them cumulative. Uptime counts from the last boot on the twin clock.
"""

from __future__ import annotations

import math
from typing import Any

from twinstack.packs.bluelobster import instances
from twinstack.packs.bluelobster.records import Record, fraction

BUCKET_SECONDS = 60.0
GIB = 2**30


def level(instance_id: str, metric: str, at: float) -> float:
    """A value in [0, 1) that drifts smoothly with time (cosine-eased between per-minute points)."""
    bucket = math.floor(at / BUCKET_SECONDS)
    offset = (at - bucket * BUCKET_SECONDS) / BUCKET_SECONDS
    here, there = fraction(instance_id, metric, bucket), fraction(instance_id, metric, bucket + 1)
    ease = (1 - math.cos(math.pi * offset)) / 2
    return here + (there - here) * ease


def stats(instance: Record, now: float) -> dict[str, Any]:
    uuid = str(instance["uuid"])
    cores = int(instance.get("cpu_cores") or 0)
    total = int(instance.get("memory") or 0) * GIB
    running = instance.get("power_status") == instances.RUNNING

    def metric(name: str, low: float, high: float) -> float:
        return low + (high - low) * level(uuid, name, now) if running else 0.0

    memory_percent = round(metric("memory", 20, 70), 1)
    return {
        "instance_id": uuid,
        "status": instance.get("power_status"),
        "cpu": {"usage_percent": round(metric("cpu", 2, 40), 1), "cores": cores},
        "memory": {"used_bytes": int(total * memory_percent / 100), "total_bytes": total,
                   "usage_percent": memory_percent},
        "disk": {"read_bytes_sec": int(metric("disk_read", 64 * 1024, 8 * 2**20)),
                 "write_bytes_sec": int(metric("disk_write", 32 * 1024, 4 * 2**20))},
        "network": {"in_bytes_sec": int(metric("net_in", 8 * 1024, 2**20)),
                    "out_bytes_sec": int(metric("net_out", 4 * 1024, 512 * 1024))},
        "uptime_seconds": int(instances.uptime(instance, now)),
    }
