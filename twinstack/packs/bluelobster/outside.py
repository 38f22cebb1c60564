"""``/_twinstack/bluelobster/...`` controls for what happens outside the API.

- ``console/connect`` ``{"ticket"}``: the VNC proxy receiving a console ticket;
  answers ``{"accepted", "reason"?, "instance_id", "host", "expires_at"}``
  (``accepted`` is false once the ticket's 30 twin seconds are over).
- ``firewall/probe`` ``{"instance_id", "direction": "in"|"out", "proto", "port"?, "remote"}``:
  a packet reaching (or leaving) the instance; answers ``{"accepted"}`` as the
  instance's firewall decides it (rules in order, first match, else the policy).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from twinstack.engine.pack import Control
from twinstack.packs.bluelobster import console, firewall, instances
from twinstack.packs.bluelobster.records import SHARED, Account


def refuse(status: int, message: str, field: str) -> Response:
    """A control's refusal: 400 ``invalid_request`` or 404 ``not_found``, naming the field."""
    body = {"error": "invalid_request" if status == 400 else "not_found", "message": message, "field": field}
    return Response(orjson.dumps(body), status, media_type="application/json")


async def console_connect(twin: Any, body: dict[str, Any], request: Request) -> Any:
    ticket = body.get("ticket")
    if not isinstance(ticket, str) or not ticket:
        return refuse(400, "ticket: expected the ticket a console call returned", "ticket")
    return console.connect(Account(twin, SHARED), ticket)


async def firewall_probe(twin: Any, body: dict[str, Any], request: Request) -> Any:
    instance_id, direction, proto = body.get("instance_id"), body.get("direction", "in"), body.get("proto", "tcp")
    port, remote = body.get("port"), body.get("remote")
    if direction not in firewall.DIRECTIONS:
        return refuse(400, "direction: expected 'in' or 'out'", "direction")
    if not isinstance(proto, str) or not isinstance(remote, str):
        return refuse(400, "proto and remote: expected strings (remote is an IP address)", "remote")
    if port is not None and (not isinstance(port, int) or isinstance(port, bool)):
        return refuse(400, "port: expected an integer", "port")
    found = twin.store.find_any_tenant(twin.slug, instances.COLLECTION, instance_id) if isinstance(
        instance_id, str) else None
    if found is None or not instances.is_active(found[1]):
        return refuse(404, "instance_id: no such active instance", "instance_id")
    rules = firewall.of(found[1])
    return {"instance_id": instance_id, "accepted": firewall.would_accept(rules, direction, proto, port, remote)}


OUTSIDE: dict[str, Control] = {"console/connect": console_connect, "firewall/probe": firewall_probe}
