"""SMS Keywords: a keyword is reserved cloud-wide, without regard to case.

Inbound SMS reach a keyword on numbers every customer shares, so a keyword
belongs to one customer at a time (409 "Keyword already reserved by another
customer"). Reservations are shared state (``ctx.shared``) keyed by the
keyword in upper case, taken with an insert that only one caller can win, so
a create, the availability check and a delete each touch one row. The
keyword itself is stored in upper case, as the document's examples and the
availability check show it. The rest of the keyword's life is the generic
twin's.
"""

from __future__ import annotations

import re
from typing import Any

from twinstack.engine import generic
from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.state import Collection
from twinstack.errors import Conflict, TwinError

COLLECTION = "/v1/sms/keywords"
"""Where the generic twin stores a tenant's keywords."""
RESERVATIONS = "sms/keyword-reservations"
"""Shared collection: upper-case keyword -> ``{"tenant": owner}``."""
_FORMAT = re.compile(r"[A-Z0-9]{2,20}")


def normalised(keyword: str) -> str:
    return keyword.strip().upper()


def _reservations(ctx: RequestContext) -> Collection:
    return ctx.shared(RESERVATIONS)


async def create_sms_keyword(ctx: RequestContext) -> Any:
    body = dict(ctx.body or {})
    keyword = normalised(str(body.get("keyword", "")))
    if not _FORMAT.fullmatch(keyword):
        raise TwinError("Invalid keyword format", status=400, field="body.keyword",
                        details={"detail": "Invalid keyword format. Must be alphanumeric, 2-20 characters."})
    reservations = _reservations(ctx)
    if not reservations.insert(keyword, {"tenant": ctx.tenant}):
        owner = (reservations.get(keyword) or {}).get("tenant")
        raise Conflict("Keyword already taken", field="body.keyword", details={
            "detail": "Keyword already reserved" if owner == ctx.tenant else "Keyword already reserved by another customer"
        })
    ctx.body = {**body, "keyword": keyword}
    try:
        return await generic.handle(ctx)
    except BaseException:
        reservations.delete(keyword)
        raise


async def update_sms_keyword(ctx: RequestContext) -> Any:
    # The keyword is what was reserved; an update changes its settings only (pydantic drops unknown fields).
    ctx.body = {k: v for k, v in (ctx.body or {}).items() if k != "keyword"}
    return await generic.handle(ctx)


async def delete_sms_keyword(ctx: RequestContext) -> Any:
    stored = ctx.collection(COLLECTION).get(str(ctx.path.get("keyword_id", "")))
    answer = await generic.handle(ctx)
    if stored is not None:
        reservations = _reservations(ctx)
        keyword = normalised(str(stored.get("keyword", "")))
        if (reservations.get(keyword) or {}).get("tenant") == ctx.tenant:
            reservations.delete(keyword)
    return answer


async def check_sms_keyword_availability(ctx: RequestContext) -> Any:
    keyword = normalised(str(ctx.path.get("keyword", "")))
    return {"keyword": keyword, "available": bool(keyword) and _reservations(ctx).get(keyword) is None}


HANDLERS: dict[str, Handler] = {
    "createSmsKeyword": create_sms_keyword,
    "updateSmsKeyword": update_sms_keyword,
    "deleteSmsKeyword": delete_sms_keyword,
    "checkSmsKeywordAvailability": check_sms_keyword_availability,
}
