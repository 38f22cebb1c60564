"""Which Blue Lobster operation needs which permission, and the 403 that refuses it.

Only operations that declare 403 refuse (an undeclared status would break the
contract), so the table below is the whole of the 403 behaviour and a test
checks that every operation in it declares 403. The refusal messages are the
document's own examples. The check is the pack's ``authorize`` hook: it runs
right after the key is recognised and before the input is validated, as a
FastAPI dependency does, and in front of whatever handles the operation (a pack
handler or the generic twin), so later handlers inherit it.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Any

from twinstack.engine.security import Principal
from twinstack.errors import Forbidden
from twinstack.spec.model import Operation
from twinstack.packs.bluelobster.auth import ROLES, Permissions

FLAG_REFUSALS: dict[str, str] = {
    "write": "Write permission required",
    "buyer": "Buyer permission required",
    "staff": "Staff permission required",
}
"""The document's messages for a key lacking each permission flag, in the order they are checked."""

TEAM_MANAGERS = ("owner", "admin")
FIREWALL_MANAGERS = ("owner", "admin", "member")


@dataclass(frozen=True, slots=True)
class Rule:
    """What a key needs for one operation."""

    flags: tuple[str, ...] = ()
    """Permission flags, all required (``write``, ``buyer``, ``staff``)."""
    roles: tuple[str, ...] = ROLES
    """Team roles allowed."""
    role_refusal: str = ""
    """Message for a role not in ``roles``; ``{role}`` is replaced by the key's role."""
    team_param: str | None = None
    """Path parameter naming a team: a team-scoped key may only name its own."""

    def refusal(self, permissions: Permissions, path_params: dict[str, str]) -> str | None:
        """Why ``permissions`` may not call the operation with these path parameters, or None when they may."""
        for flag in self.flags:
            if not getattr(permissions, flag):
                return FLAG_REFUSALS[flag]
        if permissions.role not in self.roles:
            return self.role_refusal.format(role=permissions.role)
        if self.team_param and permissions.team_id is not None:
            asked = path_params.get(self.team_param, "")
            if asked != permissions.team_id:
                return f"Access denied - this API key is limited to team '{permissions.team_id}'"
        return None


_TEAMS = Rule(roles=TEAM_MANAGERS, role_refusal="Only account owners/admins can assign VMs to teams")
_FIREWALL = Rule(
    roles=FIREWALL_MANAGERS,
    role_refusal="Your team role '{role}' cannot manage firewall. Required: owner, admin, or member",
)

RULES: dict[str, Rule] = {
    # The document's example refuses /instances/available for want of write: it is the launch flow's first step.
    "get_available_instances_api_v1_instances_available_get": Rule(flags=("write",)),
    "launch_standard_instance_api_v1_instances_launch_instance_post": Rule(flags=("write", "buyer")),
    "launch_custom_instance_api_v1_instances_launch_custom_post": Rule(flags=("staff",)),
    "assign_vm_to_team_api_v1_instances__instance_id__team_put": _TEAMS,
    "remove_vm_from_team_api_v1_instances__instance_id__team_delete": _TEAMS,
    "list_team_instances_api_v1_teams__team_id__instances_get": Rule(team_param="team_id"),
    "delete_backup_api_v1_backups_delete": Rule(flags=("write",)),
    "restore_backup_to_vm_api_v1_backups_restore_post": Rule(flags=("write",)),
    "get_instance_firewall_api_v1_instances__instance_id__firewall_get": _FIREWALL,
    "update_instance_firewall_api_v1_instances__instance_id__firewall_put": _FIREWALL,
    "add_firewall_rule_api_v1_instances__instance_id__firewall_rules_post": _FIREWALL,
    "get_firewall_rule_api_v1_instances__instance_id__firewall_rules__pos__get": _FIREWALL,
    "delete_firewall_rule_api_v1_instances__instance_id__firewall_rules__pos__delete": _FIREWALL,
}
"""Operations that refuse some keys; every other secured operation takes any valid key."""


def permissions_of(principal: Principal | None) -> Permissions:
    """The calling key's permissions (an owner's when the call carries no key)."""
    credential = principal.credential if principal is not None else None
    return Permissions.from_data(credential.data if credential is not None else None)


def authorize(twin: Any, principal: Principal | None, operation: Operation, path_params: dict[str, str]) -> None:
    """The pack's ``authorize`` hook: 403 in the document's words when the key may not call ``operation``."""
    rule = RULES.get(operation.operation_id)
    if rule is None or principal is None:
        return
    refusal = rule.refusal(permissions_of(principal), path_params)
    if refusal is not None:
        raise Forbidden(refusal, code="forbidden")
