"""SMS Keywords: the availability check answers for any keyword (the document declares no 404)."""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler

_COLLECTION = "/v1/sms/keywords"


async def check_sms_keyword_availability(ctx: RequestContext) -> Any:
    keyword = str(ctx.path.get("keyword", "")).strip().upper()
    taken = any(str(k.get("keyword", "")).upper() == keyword for k in ctx.store.list(ctx.slug, ctx.tenant, _COLLECTION))
    return {"keyword": keyword, "available": bool(keyword) and not taken}


HANDLERS: dict[str, Handler] = {"checkSmsKeywordAvailability": check_sms_keyword_availability}
