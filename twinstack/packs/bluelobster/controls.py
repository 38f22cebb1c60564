"""``/_twinstack/bluelobster/...``: what only Blue Lobster's dashboard can do to a tenant's keys.

The API has no operation that creates or revokes keys, nor one that sets a
key's permissions (that happens in the web console), so tests reach it here:

- ``POST /_twinstack/bluelobster/api_keys``
  ``{"tenant", "role"?, "write"?, "buyer"?, "staff"?, "team_id"?, "name"?}`` issues an
  extra key for the tenant with those permissions (each defaults to what the
  tenant's own key has: owner, write, buyer, staff, whole account);
- ``POST /_twinstack/bluelobster/api_keys/revoke`` ``{"api_key"}`` revokes a key;
  a revoked key is answered 401 like an unknown one;
- ``POST /_twinstack/bluelobster/teams`` ``{"tenant", "team_id", "name"?}`` adds a team to the
  account (teams are made in the console too);
- ``POST /_twinstack/bluelobster/inventory`` ``{"multiplier": N}`` makes every host and every
  region's address pool N times the catalogue's (``inventory``); ``GET`` of it shows the
  multiplier and each region's totals and what is in use.

What lies outside the API (the VNC proxy, packets reaching an instance) has its
own controls, in ``outside.py``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from twinstack.engine.pack import Control
from twinstack.engine.tenants import Issuer
from twinstack.packs.bluelobster import capacity, inventory, ip_pool, teams
from twinstack.packs.bluelobster.auth import ROLES, TENANT_KEY, Permissions, issue_key, partial
from twinstack.packs.bluelobster.catalogue import REGIONS, hosts_in
from twinstack.packs.bluelobster.inventory import Resources
from twinstack.packs.bluelobster.outside import OUTSIDE, refuse as _refuse
from twinstack.packs.bluelobster.records import SHARED, Account

_FLAGS = ("write", "buyer", "staff")


async def create_api_key(twin: Any, body: dict[str, Any], request: Request) -> Any:
    """Issue a key for an existing tenant with the permissions asked for."""
    tenant = body.get("tenant")
    if not isinstance(tenant, str) or twin.store.get_tenant(tenant) is None:
        return _refuse(404, "tenant: no such tenant (see POST /_twinstack/tenants)", "tenant")
    role = body.get("role", TENANT_KEY.role)
    if role not in ROLES:
        return _refuse(400, f"role: expected one of {', '.join(ROLES)}", "role")
    flags: dict[str, bool] = {}
    for flag in _FLAGS:
        value = body.get(flag, getattr(TENANT_KEY, flag))
        if not isinstance(value, bool):
            return _refuse(400, f"{flag}: expected true or false", flag)
        flags[flag] = value
    team_id = body.get("team_id")
    if team_id is not None and (not isinstance(team_id, str) or not team_id):
        return _refuse(400, "team_id: expected a team id (string)", "team_id")
    permissions = Permissions(role=role, write=flags["write"], buyer=flags["buyer"], staff=flags["staff"], team_id=team_id)
    name = body.get("name", "Restricted key")
    if not isinstance(name, str):
        return _refuse(400, "name: expected a string", "name")
    if team_id is not None:
        # A key for a team the account does not have yet brings the team into being, as the console does.
        teams.ensure(Account(twin, tenant), team_id)
    key = issue_key(Issuer(twin, tenant, deterministic=False), permissions, label=name)
    return {"api_key": key, "tenant": tenant, "name": name, "partial": partial(key), **permissions.as_data()}


async def revoke_api_key(twin: Any, body: dict[str, Any], request: Request) -> Any:
    """Mark a key revoked; from then on it is refused with 401."""
    key = body.get("api_key")
    if not isinstance(key, str) or not twin.revoke_token(key):
        return _refuse(404, "api_key: no such bluelobster key", "api_key")
    return {"api_key": key, "revoked": True}


async def create_team(twin: Any, body: dict[str, Any], request: Request) -> Any:
    """Add a team to an account; an existing id is answered as it is."""
    tenant, team_id, name = body.get("tenant"), body.get("team_id"), body.get("name")
    if not isinstance(tenant, str) or twin.store.get_tenant(tenant) is None:
        return _refuse(404, "tenant: no such tenant (see POST /_twinstack/tenants)", "tenant")
    if not isinstance(team_id, str) or not team_id or "/" in team_id:
        return _refuse(400, "team_id: expected a team id (string without '/')", "team_id")
    if name is not None and not isinstance(name, str):
        return _refuse(400, "name: expected a string", "name")
    return {"tenant": tenant, **teams.view(teams.ensure(Account(twin, tenant), team_id, name))}


async def set_inventory(twin: Any, body: dict[str, Any], request: Request) -> Any:
    """``POST``: set the inventory multiplier; ``GET``: the multiplier and every region's totals."""
    cloud = Account(twin, SHARED)
    if request.method == "POST":
        value = body.get("multiplier")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= inventory.MAX_MULTIPLIER:
            return _refuse(400, f"multiplier: expected an integer from 1 to {inventory.MAX_MULTIPLIER}", "multiplier")
        inventory.set_multiplier(cloud, value)
    factor = inventory.multiplier(cloud)
    return {"multiplier": factor, "regions": [_region_totals(cloud, name, factor) for name in REGIONS]}


def _region_totals(cloud: Account, region: str, factor: int) -> dict[str, Any]:
    hosts = hosts_in(region)
    total, in_use = Resources(0, 0, 0, 0), Resources(0, 0, 0, 0)
    for host in hosts:
        total = total.plus(inventory.of_host(host, factor))
        in_use = in_use.plus(capacity.used(cloud, host))
    handed_out = cloud.store.counters(cloud.counter_space(ip_pool.HIGH_WATER), region).get("next", 0)
    addresses = handed_out - cloud.shared(ip_pool.FREE).count(region=region)
    return {"name": region, "hosts": [h.id for h in hosts], **total.view(), "addresses": inventory.pool_size(factor),
            "in_use": {**in_use.view(), "addresses": addresses}}


CONTROLS: dict[str, Control] = {
    "api_keys": create_api_key, "api_keys/revoke": revoke_api_key, "teams": create_team, "inventory": set_inventory,
    **OUTSIDE,
}
