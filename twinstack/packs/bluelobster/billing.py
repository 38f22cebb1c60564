"""Billing and the instance log, computed from the twin clock.

An instance is billed from the moment its creation completes ("Billing
begins when instance is ready"; a failed creation is never billed) until its
deletion completes ("Billing stops after successful deletion"), stopped or
not, since its host capacity stays reserved. Time is billed in whole
half-hours, rounded down: the document's example lifetime of 19 h 38 min is
billed 19.5 h, 120 ¢/h x 19.5 h = 2340 ¢. Cents are rounded down too.
"""

from __future__ import annotations

import math
from typing import Any

from twinstack.packs.bluelobster import ip_pool
from twinstack.packs.bluelobster.records import Account, Record

BILLING_STEP_HOURS = 0.5
MAX_LOG_RANGE_SECONDS = 90 * 86_400.0
"""The instance log's "Maximum date range is 90 days"."""


def billed_hours(instance: Record, now: float) -> float:
    start = instance.get("_billing_from")
    if start is None:
        return 0.0
    end = instance.get("_deleted_at") or now
    hours = max(0.0, float(end) - float(start)) / 3600
    return math.floor(hours / BILLING_STEP_HOURS) * BILLING_STEP_HOURS


def billed_cents(instance: Record, now: float) -> int:
    return math.floor(int(instance.get("price_cents_per_hour") or 0) * billed_hours(instance, now))


def log_entry(account: Account, instance: Record, now: float) -> dict[str, Any]:
    """One instance of ``POST /instances/log``: lifecycle, resources and billing."""
    first = instance.get("_billing_from")
    last = instance.get("_deleted_at") or (now if first is not None else None)
    deleted = instance.get("_deleted_at")
    return {
        "uuid": instance["uuid"], "name": instance["name"], "host_id": instance["host_id"], "vmid": instance["vmid"],
        "status": instance["status"], "ip_address": ip_pool.cidr(instance.get("ip_address"), instance.get("region")),
        "cpu_cores": instance["cpu_cores"], "memory_gb": instance["memory"], "disk_gb": instance["storage"],
        "gpu_count": instance["gpu_count"], "instance_type": instance.get("instance_type"),
        "template_name": instance.get("template_name"), "price_cents_per_hour": instance.get("price_cents_per_hour"),
        "created_at": instance["created_at"], "updated_at": instance["updated_at"],
        "deleted_at": account.iso(float(deleted)) if deleted is not None else None,
        "total_billed_cents": billed_cents(instance, now), "total_hours_billed": billed_hours(instance, now),
        "first_billed_at": account.iso(float(first)) if first is not None else None,
        "last_billed_at": account.iso(float(last)) if last is not None else None,
    }
