"""Launching and deleting instances: the reservations a launch makes, and the tasks both queue.

A launch reserves host capacity and the primary address at once (so the reply
can name ``assigned_ip`` and a second launch cannot take the same slot), queues
``create_instance`` and stores the instance, all in one store transaction: a
launch refused for want of an address gives its capacity back by rolling back.
The instance is held in hand while its task is queued, so a creation that ends
at once (``--speed instant``) is stored ``rented`` with one write, not
``creating`` and then again.

A delete makes the instance ``terminating`` at once (the API answers 404 from
then on) and queues ``delete_instance``; capacity and addresses return to the
cloud when that task completes (``provisioning``), which is also when billing stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twinstack.errors import Conflict, TwinError
from twinstack.packs.bluelobster import capacity, instances, ip_pool
from twinstack.packs.bluelobster.catalogue import Host, InstanceType, Template, gpu_display
from twinstack.packs.bluelobster.inventory import Resources
from twinstack.packs.bluelobster.records import Account, Record, new_id
from twinstack.packs.bluelobster.task_runner import queue
from twinstack.packs.bluelobster.tasks import Caller

VMID_BASE = 100
"""Proxmox numbers guests from 100. A guest's number follows its primary address's place in the cloud's pools,
so no two live guests share one and a deleted guest's number comes back with its address, as Proxmox hands
the lowest free number out again."""


@dataclass(frozen=True, slots=True)
class LaunchPlan:
    """A launch request once its rules are checked (``launch_rules``)."""

    instance_type: InstanceType
    resources: Resources
    name: str
    username: str
    region: str
    host: Host | None = None
    """A custom launch names its host; a standard one is placed in ``region``."""
    gpu_model: str | None = None
    """GPU model a standard launch needs; None lets a custom launch take its host's."""
    template: Template | None = None
    iso_url: str | None = None
    access_type: str = "ssh"
    metadata: dict[str, str] | None = None
    team_id: str | None = None
    team_name: str | None = None


RACE_ATTEMPTS = 5
"""How often a launch looks again when another worker books the host it found room on first."""


def launch(account: Account, caller: Caller, plan: LaunchPlan) -> tuple[Record, Record]:
    """Reserve, store and queue the creation; the instance and its ``create_instance`` task."""
    for _ in range(RACE_ATTEMPTS - 1):
        try:
            return _launch(account, caller, plan)
        except capacity.Raced:
            continue
    return _launch(account, caller, plan, last=True)


def _launch(account: Account, caller: Caller, plan: LaunchPlan, last: bool = False) -> tuple[Record, Record]:
    """One attempt at ``launch``, in one transaction; ``last``: a race lost again is the declared 409."""
    instance_id = new_id()
    with account.store.transaction():
        try:
            if plan.host is None:
                booked = capacity.place(account, plan.region, plan.resources, plan.gpu_model)
            else:
                factor = capacity.reserve(account, plan.host, plan.resources)
                booked = None if factor is None else (plan.host, factor)
        except capacity.Raced:
            if not last:
                raise
            booked = None
        if booked is None:
            raise _no_capacity(account, plan)
        host, factor = booked
        address = ip_pool.take(account, host.region, factor)
        if address is None:
            raise Conflict(f"No public IP addresses available in {host.region}", code="resource_conflict")
        vmid = VMID_BASE + ip_pool.slot(host.region, address)
        template = plan.template
        record = instances.new_record(
            account, uuid=instance_id, name=plan.name, host_id=host.id, region=host.region, vmid=vmid,
            ip_address=address, internal_ip=ip_pool.internal_ip(host.region, vmid),
            cpu_cores=plan.resources.cores, memory=plan.resources.memory, storage=plan.resources.storage,
            gpu_count=plan.resources.gpus, gpu_model=gpu_display(host.gpu_model) if plan.resources.gpus else None,
            metadata=plan.metadata, instance_type=plan.instance_type.name,
            price_cents_per_hour=plan.instance_type.price_cents_per_hour, team_id=plan.team_id,
            team_name=plan.team_name, access_type=plan.access_type, template_name=template.name if template else None,
            template_display_name=template.display_name if template else None,
            os_type=template.os_type if template else None, vm_username=plan.username, iso_url=plan.iso_url,
        )
        params = {"vm_uuid": instance_id, "host_id": host.id, "vmid": vmid, "instance_type": plan.instance_type.name,
                  "template_name": record["template_name"], "name": plan.name}
        with instances.holding(account, record):
            task = queue(account, "create_instance", instance_id, params, caller, fresh=True)
        instances.store(account, record)
        return record, task


def delete(account: Account, caller: Caller, instance: Record) -> Record:
    """Start deleting a ``rented`` instance; its ``delete_instance`` task."""
    if instance.get("status") != instances.RENTED:
        raise TwinError(f"VM is not in 'rented' status: {instance.get('status')}", code="invalid_state", status=400)
    params = {"vm_uuid": instance["uuid"], "host_id": instance["host_id"], "vmid": instance["vmid"]}
    with account.store.transaction():
        # One transaction, so an instance is never left terminating without the task that ends it.
        instance["status"] = instances.TERMINATING
        instances.save(account, instance)
        return queue(account, "delete_instance", str(instance["uuid"]), params, caller)


def _no_capacity(account: Account, plan: LaunchPlan) -> Conflict:
    if plan.host is None:
        return Conflict("Requested resources not available in specified region", code="resource_conflict")
    left = capacity.free(account, plan.host)
    return Conflict("Requested resources not available on specified host", code="resource_conflict",
                    details={"available_resources": left.view()})


def next_steps(task_id: str) -> dict[str, Any]:
    """The ``next_steps`` block of a launch reply, in the document's words."""
    return {
        "description": "Your Instance creation request has been queued. Please check the task status endpoint to "
                       "monitor progress.",
        "task_status_endpoint": f"/api/v1/tasks/{task_id}",
        "expected_states": {
            "PENDING": "Task is queued for processing",
            "PROCESSING": "Instance is being created",
            "COMPLETED": "Instance creation successful - instance details will be available",
            "FAILED": "Instance creation failed - check error message for details",
        },
    }
