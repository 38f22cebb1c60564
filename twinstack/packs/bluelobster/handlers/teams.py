"""Handlers of team assignment (``INSTANCES`` tag): assign, unassign, list a team's instances.

``PUT /instances/{id}/team`` declares no body; the team is read from a JSON body
``{"team_id": ...}`` or the query (``?team_id=``), and a request naming none is
answered like one naming an unknown team (404 "VM or team not found"). Only
owners and admins may call the first two (``permissions.RULES``).
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.bluelobster import instances, lookup, teams
from twinstack.packs.bluelobster.task_runner import settle_account


async def assign_vm_to_team_api_v1_instances__instance_id__team_put(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    body = lookup.json_body(ctx)
    team_id = body.get("team_id") or lookup.query_value(ctx, "team_id")
    # The body is not declared, so nothing validates it before the handler: no team named is no team found.
    team = teams.find(owner, team_id) if isinstance(team_id, str) and team_id else None
    if team is None:
        raise NotFound(f"Team {team_id} not found" if team_id else "Team not found: give {\"team_id\": ...}",
                       field="team_id", details={"field": "team_id"})
    instance.update(team_id=team["team_id"], team_name=team["team_name"])
    instances.save(owner, instance)
    return {"message": "VM assigned to team successfully", "instance_id": instance["uuid"], **teams.view(team)}


async def remove_vm_from_team_api_v1_instances__instance_id__team_delete(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    instance = lookup.instance(ctx)
    instance.update(team_id=None, team_name=None)
    instances.save(owner, instance)
    return {"message": "VM removed from team successfully", "instance_id": instance["uuid"]}


async def list_team_instances_api_v1_teams__team_id__instances_get(ctx: RequestContext) -> dict[str, Any]:
    owner = lookup.account(ctx)
    team_id = str(ctx.path["team_id"])
    team = teams.find(owner, team_id)
    if team is None:
        raise NotFound(f"Team {team_id} not found", field="team_id")
    settle_account(owner)
    found = [instances.public(i) for i in instances.all_active(owner, team_id)]
    return {**teams.view(team), "instances": found, "total": len(found)}


HANDLERS: dict[str, Handler] = {
    "assign_vm_to_team_api_v1_instances__instance_id__team_put": assign_vm_to_team_api_v1_instances__instance_id__team_put,
    "remove_vm_from_team_api_v1_instances__instance_id__team_delete":
        remove_vm_from_team_api_v1_instances__instance_id__team_delete,
    "list_team_instances_api_v1_teams__team_id__instances_get": list_team_instances_api_v1_teams__team_id__instances_get,
}
