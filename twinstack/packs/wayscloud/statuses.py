"""Keeps an operation's errors to the statuses its document declares.

Eighteen WAYSCloud operations with a path parameter declare no 404, and some
creating operations declare 400 but no 409. The twin still has to say "no such
VPS" or "that zone exists", so the condition is reported with the declared
status closest in meaning, in the usual ``{"detail"}`` shape:

- a missing resource on an operation without 404 but with 409 (VPS backup,
  snapshot and Live Events actions) → 409: the resource is not in a state
  that allows the action;
- a uniqueness conflict on an operation without 409 but with 400 (DNS zone
  create) → 400, as the vendor's brief says for zones.

Operations that declare neither keep the original status (a gap of the document).
"""

from __future__ import annotations

from typing import Any

from twinstack.engine import generic
from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import Conflict, NotFound, TwinError
from twinstack.packs.wayscloud.errors import detail_text

_METHODS = ("get", "put", "post", "patch", "delete")


def _missing_as_conflict(handler: Handler) -> Handler:
    async def run(ctx: RequestContext) -> Any:
        try:
            return await handler(ctx)
        except NotFound as err:
            raise Conflict(err.message, field=err.field, details={"detail": detail_text(err, 404)}) from err

    return run


def _conflict_as_bad_request(handler: Handler) -> Handler:
    async def run(ctx: RequestContext) -> Any:
        try:
            return await handler(ctx)
        except Conflict as err:
            raise TwinError(err.message, status=400, code=err.code, field=err.field,
                            details={"detail": detail_text(err, 409)}) from err

    return run


def conform(doc: dict[str, Any], handlers: dict[str, Handler]) -> dict[str, Handler]:
    """``handlers`` with every operation that needs it wrapped (generic behaviour included)."""
    out = dict(handlers)
    for path, item in (doc.get("paths") or {}).items():
        for method, op in item.items():
            if method not in _METHODS or not isinstance(op, dict) or not op.get("operationId"):
                continue
            declared = set(op.get("responses") or {})
            op_id = str(op["operationId"])
            handler = out.get(op_id, generic.handle)
            if "{" in path and "404" not in declared and "409" in declared:
                out[op_id] = _missing_as_conflict(handler)
            elif method == "post" and "409" not in declared and "400" in declared:
                out[op_id] = _conflict_as_bad_request(handler)
    return out
