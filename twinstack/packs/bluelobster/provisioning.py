"""The ``create_instance`` and ``delete_instance`` tasks: what they check and what they leave behind.

When ``create_instance`` completes the instance is ``rented`` and ``running``
and billing starts; if it fails (an ISO that cannot be fetched), its capacity
and addresses go back and nothing is billed. When ``delete_instance``
completes they go back too and billing stops; the record stays for the
instance log and the account's backups. Each of these effects is applied once
per task (``task_runner``), so capacity and addresses are returned once.
The requests that queue these tasks are in ``launches``.
"""

from __future__ import annotations

from twinstack.packs.bluelobster import capacity, instances, ip_pool
from twinstack.packs.bluelobster.records import Account, Record
from twinstack.packs.bluelobster.tasks import TaskKind


def _create_check(account: Account, task: Record) -> str | None:
    instance = instances.get(account, str(task["_subject"]))
    if instance is None:
        return "Instance record not found"
    iso_url = instance.get("iso_url")
    if iso_url and not str(iso_url).lower().startswith(("http://", "https://")):
        return f"Failed to download ISO: unsupported URL {iso_url!r} (http or https only)"
    return None


def _created(account: Account, task: Record, at: float) -> None:
    instance = instances.get(account, str(task["_subject"]))
    if instance is None:
        return
    instance.update(status=instances.RENTED, power_status=instances.RUNNING, _booted_at=at, _billing_from=at)
    instances.save(account, instance, at)


def _gone(account: Account, task: Record, at: float) -> None:
    """A failed creation or a finished deletion: resources go back, the record stays for the log."""
    instance_id = str(task["_subject"])
    instance = instances.get(account, instance_id)
    if instance is None or instance.get("status") == instances.DELETED:
        ip_pool.release_all(account, instance_id, None)
        return
    ip_pool.release_all(account, instance_id, instance)
    capacity.release(account, instance)
    instances.mark_deleted(instance, at)
    instances.save(account, instance, at)


KINDS: tuple[TaskKind, ...] = (
    TaskKind("create_instance", (60.0, 120.0),
             ("Allocating resources", "Cloning template", "Configuring network", "Starting VM"),
             "VM created successfully", check=_create_check, finish=_created, fail=_gone),
    TaskKind("delete_instance", (30.0, 60.0), ("Stopping VM", "Destroying VM", "Releasing resources"),
             "VM deleted successfully", finish=_gone),
)
