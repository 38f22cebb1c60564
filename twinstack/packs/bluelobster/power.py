"""The power state machine: shutdown, force-shutdown, power-on, power-cycle and reboot.

::

    running --shutdown (10-30 s) / force-shutdown (1-2 s)--> stopped
    stopped --power-on (20-40 s)--> running
    running|stopped --power-cycle (30-60 s: stopped while it runs)--> running
    running --reboot (sync, 10-20 s)--> running (uptime starts again)

The four task operations declare no 400 or 409, so a precondition that does
not hold when the task starts (the instance is already stopped, it is not
``rented``) fails the task with the reason instead; a request made while
another task runs is queued behind it. Reboot is synchronous: it is refused
with the declared 409 while another task runs or when the instance is not
running, and otherwise holds the instance (as a ``reboot_instance`` task)
for its duration.
"""

from __future__ import annotations

from collections.abc import Callable

from twinstack.errors import Conflict
from twinstack.packs.bluelobster import instances
from twinstack.packs.bluelobster.records import Account, Record
from twinstack.packs.bluelobster.tasks import TaskKind

REBOOT = "reboot_instance"


def _not_rented(instance: Record | None) -> str | None:
    if instance is None:
        return "Instance not found"
    if instance.get("status") != instances.RENTED:
        return f"VM is not in 'rented' status: {instance.get('status')}"
    return None


def _power_must_be(power_status: str, otherwise: str) -> Callable[[Account, Record], str | None]:
    """A task precondition: the instance is rented and in ``power_status``, else the reason the task fails."""

    def check(account: Account, task: Record) -> str | None:
        instance = instances.get(account, str(task["_subject"]))
        reason = _not_rented(instance)
        if reason is None and instance is not None and instance.get("power_status") != power_status:
            return otherwise
        return reason

    return check


_must_run = _power_must_be(instances.RUNNING, "Instance is already stopped")
_must_be_stopped = _power_must_be(instances.STOPPED, "Instance must be in stopped state (it is running)")


def _must_be_rented(account: Account, task: Record) -> str | None:
    return _not_rented(instances.get(account, str(task["_subject"])))


class _SetPower:
    """An effect that sets the power status at the moment it applies (and the boot time when it starts)."""

    def __init__(self, state: str) -> None:
        self.state = state

    def __call__(self, account: Account, task: Record, at: float) -> None:
        instance = instances.get(account, str(task["_subject"]))
        if instance is None or instance.get("status") not in instances.ACTIVE:
            return
        running = self.state == instances.RUNNING
        instance.update(power_status=self.state, _booted_at=at if running else None)
        if running and task.get("operation") == "power_cycle_instance":
            # A pending rename reaches the guest's hostname through cloud-init at the next power cycle.
            instance["hostname"] = instance["name"]
        instances.save(account, instance, at)


KINDS: tuple[TaskKind, ...] = (
    TaskKind("shutdown_instance", (10.0, 30.0), ("Sending ACPI shutdown", "Waiting for guest to power off"),
             "VM shut down successfully", check=_must_run, finish=_SetPower(instances.STOPPED)),
    TaskKind("force_shutdown_instance", (1.0, 2.0), ("Stopping VM",), "VM force stopped successfully",
             check=_must_run, finish=_SetPower(instances.STOPPED)),
    TaskKind("power_on_instance", (20.0, 40.0), ("Starting VM", "Waiting for guest to boot"),
             "VM powered on successfully", check=_must_be_stopped, finish=_SetPower(instances.RUNNING)),
    TaskKind("power_cycle_instance", (30.0, 60.0), ("Stopping VM", "Starting VM", "Waiting for guest to boot"),
             "VM power cycled successfully", check=_must_be_rented, begin=_SetPower(instances.STOPPED),
             finish=_SetPower(instances.RUNNING)),
    TaskKind(REBOOT, (10.0, 20.0), ("Rebooting VM",), "VM rebooted successfully", check=_must_be_rented,
             finish=_SetPower(instances.RUNNING), queued=False),
)


def refuse_reboot(instance: Record, busy: bool) -> None:
    """The declared 409s of reboot: another operation runs, or there is nothing running to reboot."""
    if busy:
        raise Conflict("Another operation is in progress on this Instance", code="operation_in_progress")
    if instance.get("power_status") != instances.RUNNING:
        raise Conflict("Instance must be running to reboot", code="invalid_state")
