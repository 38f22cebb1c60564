"""The rules a launch request must meet beyond its schema, and the ``LaunchPlan`` it becomes.

The document's schemas already refuse a malformed body (422); what they cannot
say is which names exist (types, regions, hosts, templates) and the rules
written in prose: custom memory is even and cores a power of two, a Linux
template needs an SSH key and Windows a password (standard launches), a
custom launch needs ``template_name`` or ``iso_url`` and a password or a key.
Each is refused with the document's 400 ``invalid_request`` and a ``details``
object naming the fields, as its examples show.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from twinstack.errors import TwinError
from twinstack.packs.bluelobster.inventory import Resources
from twinstack.packs.bluelobster.catalogue import HOSTS, INSTANCE_TYPES, REGIONS, TEMPLATES, Template, default_template
from twinstack.packs.bluelobster.launches import LaunchPlan

PASSWORD_ALPHABET = string.ascii_letters + string.digits + "#$@%!"
"""Characters of a generated Windows password (none the password pattern forbids)."""
PASSWORD_LENGTH = 16
PASSWORD_NOTE = "This password is shown only once. Store it securely. You can use it for RDP/VNC access."


def standard(body: dict[str, Any], team: dict[str, Any] | None) -> LaunchPlan:
    """``LaunchInstanceRequest`` checked against the catalogue."""
    instance_type, region = INSTANCE_TYPES.get(body["instance_type"]), REGIONS.get(body["region"])
    if instance_type is None or region is None:
        raise TwinError("Invalid instance type or region specified", code="invalid_request", status=400,
                        field="instance_type" if instance_type is None else "region",
                        details={"details": {"valid_instance_types": list(INSTANCE_TYPES), "valid_regions": list(REGIONS)}})
    iso_url = body.get("iso_url")
    template = None
    if body.get("template_name") or not iso_url:
        template = _template(str(body.get("template_name") or default_template(instance_type)))
        if template.windows and not body.get("password"):
            _refuse("password is required for Windows templates", "password")
        if not template.windows and not body.get("ssh_key"):
            _refuse("ssh_key is required for Linux templates", "ssh_key")
    name = body.get("name") or f"{instance_type.name.replace('_', '-')}-{secrets.token_hex(3)}"
    return LaunchPlan(
        instance_type=instance_type, resources=Resources.of_type(instance_type), name=str(name),
        username=str(body["username"]), region=region.name, gpu_model=instance_type.gpu_model, template=template,
        iso_url=iso_url, access_type=_access(template, body), metadata=body.get("metadata"),
        team_id=team["team_id"] if team else None, team_name=team["team_name"] if team else None,
    )


def custom(body: dict[str, Any], team: dict[str, Any] | None) -> tuple[LaunchPlan, dict[str, str] | None]:
    """``CreateVMRequest`` checked against the host inventory; the plan and generated credentials, if any."""
    problems: dict[str, str] = {}
    instance_type = INSTANCE_TYPES.get(body["instance_type"])
    host = HOSTS.get(body["host"])
    if instance_type is None:
        problems["instance_type"] = "Unknown instance type (see GET /api/v1/instances/available)"
    if host is None:
        problems["host"] = f"Unknown host; hosts: {', '.join(HOSTS)}"
    if body["memory"] % 2:
        problems["memory"] = "Must be an even number between 8 and 512"
    cores = int(body["cores"])
    if cores & (cores - 1):
        problems["cores"] = "Must be a power of 2 between 1 and 64"
    if host is not None and body["gpu_count"] > host.gpus:
        problems["gpu_count"] = f"Host {host.id} has {host.gpus} GPUs"
    template: Template | None = None
    if body.get("template_name"):
        template = TEMPLATES.get(str(body["template_name"]))
        if template is None:
            problems["template_name"] = f"Unknown template; templates: {', '.join(TEMPLATES)}"
    elif not body.get("iso_url"):
        problems["template_name"] = "Either template_name or iso_url is required"
    windows = template is not None and template.windows
    if not windows and not body.get("password") and not body.get("ssh_key"):
        problems["ssh_key"] = "Either password or ssh_key is required"
    if problems or instance_type is None or host is None:
        raise TwinError("Invalid resource specifications", code="invalid_request", status=400,
                        field=next(iter(problems)), details={"details": problems})
    username = str(body["username"])
    credentials = None
    if windows and not body.get("password"):
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        credentials = {"username": username, "password": password, "note": PASSWORD_NOTE}
    plan = LaunchPlan(
        instance_type=instance_type, resources=Resources(cores, body["memory"], body["disk_size"], body["gpu_count"]),
        name=str(body["name"]), username=username, region=host.region, host=host, template=template,
        iso_url=body.get("iso_url"), access_type=_access(template, body), metadata=body.get("metadata"),
        team_id=team["team_id"] if team else None, team_name=team["team_name"] if team else None,
    )
    return plan, credentials


def _template(name: str) -> Template:
    template = TEMPLATES.get(name)
    if template is None:
        raise TwinError(f"Invalid template: {name}", code="invalid_request", status=400, field="template_name",
                        details={"details": {"valid_templates": list(TEMPLATES)}})
    return template


def _access(template: Template | None, body: dict[str, Any]) -> str:
    """How the user gets in: ``ssh`` with a key, ``password`` otherwise, ``console`` for an ISO install."""
    if template is None:
        return "console"
    return "ssh" if body.get("ssh_key") else "password"


def _refuse(message: str, field: str) -> None:
    raise TwinError(message, code="invalid_request", status=400, field=field, details={"details": {field: message}})
