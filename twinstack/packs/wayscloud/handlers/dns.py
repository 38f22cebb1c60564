"""DNS: zone names are checked and normalised before the generic twin stores the zone.

An invalid domain, or one that is already a zone, is 400 "Invalid domain format" /
"Zone already exists" (the operation declares 400 and no 409).
"""

from __future__ import annotations

import re
from typing import Any

from twinstack.engine import generic
from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import TwinError

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$")
NAMESERVERS = ["grieg.wayscloud.no", "bohr.wayscloud.dk", "lindgren.wayscloud.se", "aalto.wayscloud.fi"]


def normalise_domain(raw: str) -> str | None:
    """``Example.COM.`` → ``example.com``; None when it is not a domain name."""
    domain = raw.strip().rstrip(".").lower()
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return domain if len(domain) <= 253 and _DOMAIN.match(domain) else None


async def create_dns_zone(ctx: RequestContext) -> Any:
    raw = (ctx.body or {}).get("domain") or (ctx.body or {}).get("zone_name")
    domain = normalise_domain(raw) if isinstance(raw, str) else None
    if domain is None:
        raise TwinError("Invalid domain format", status=400, field="body.domain",
                        details={"detail": "Invalid domain format"})
    ctx.body = {"domain": domain, "name": domain, "status": "active", "dnssec_enabled": False,
                "record_count": 0, "nameservers": list(NAMESERVERS)}
    try:
        return await generic.handle(ctx)
    except TwinError as err:
        if err.status == 409:
            raise TwinError("Zone already exists", status=400, field="body.domain",
                            details={"detail": f"Zone {domain} already exists"}) from err
        raise


HANDLERS: dict[str, Handler] = {"createDnsZone": create_dns_zone}
