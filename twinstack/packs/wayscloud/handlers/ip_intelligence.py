"""IP Intelligence: lookups check the address (422 when it is not one) and answer for that IP.

Threat and geo data beyond the address itself are synthesised from the document.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, ValidationFailed


def _address(ctx: RequestContext) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    raw = str(ctx.path.get("ip", ""))
    try:
        return ipaddress.ip_address(raw)
    except ValueError:
        raise ValidationFailed([FieldIssue("path", ("ip",), "Input is not a valid IPv4 or IPv6 address", "ip_address",
                                           raw)]) from None


async def get_ip_summary(ctx: RequestContext) -> Any:
    ip = _address(ctx)
    return {"_id": str(ip), "ip": str(ip), "ip_version": ip.version}


async def get_ip_geo(ctx: RequestContext) -> Any:
    ip = _address(ctx)
    return {"_id": str(ip), "ip": str(ip), "ip_version": ip.version}


async def get_ip_threat(ctx: RequestContext) -> Any:
    ip = _address(ctx)
    return {"_id": str(ip), "ip": str(ip)}


HANDLERS: dict[str, Handler] = {
    "getIpSummary": get_ip_summary,
    "getIpGeo": get_ip_geo,
    "getIpThreat": get_ip_threat,
}
