"""The error body a document with no pack declares, filled with what happened.

A document states its error shape in the schema of each error response: RFC 9457 problem
details (the ``application/problem+json`` media type, or a schema of ``type``/``title``/
``status``/``detail``), or its own object (``{"code": 404, "message": "..."}``,
``{"error": {"code", "message"}}``, ``{"errors": [...]}``). ``Declared`` answers in that shape: the
problem style for the first, and for the second each declared property that names a part of an
error (the message, a code, the status, the field, the list of bad inputs) set from the error.
Where nothing declared names a part of an error, it is the plain style.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from twinstack.engine.error_styles.naming import reason_phrase
from twinstack.engine.error_styles.plain import Plain
from twinstack.engine.error_styles.problem import Problem, problem_item
from twinstack.errors import TwinError, ValidationFailed

_MESSAGE = ("message", "detail", "details", "error_description", "errorMessage", "error_message", "msg",
            "description", "reason", "title")
_CODE = ("code", "error_code", "errorCode", "error", "type", "kind")
_STATUS = ("status", "statusCode", "status_code", "httpStatus", "http_status")
_FIELD = ("field", "param", "parameter", "pointer", "path", "target")
_LIST = ("errors", "violations", "issues", "invalid_params", "invalidParams", "fieldErrors")


@dataclass(slots=True, frozen=True)
class Declared:
    """The error style of a document with no pack, chosen per response by its declared schema."""

    plain: Plain = field(default_factory=Plain)
    problem: Problem = field(default_factory=Problem)

    def __call__(self, error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None,
                 problem_media: bool = False, resolve: Any = None) -> Any:
        props = _properties(schema, resolve)
        if problem_media or ({"title", "status"} <= set(props)) or ({"type", "detail"} <= set(props)):
            return self.problem(error, status, request_id, schema)
        filled = _fill(props, error, status, resolve, 0)
        return filled if filled else self.plain(error, status, request_id, schema)


def _properties(schema: Any, resolve: Any) -> dict[str, Any]:
    resolved = resolve(schema) if resolve is not None and isinstance(schema, dict) else schema
    if not isinstance(resolved, dict):
        return {}
    props = dict(resolved.get("properties") or {})
    for part in resolved.get("allOf") or []:
        props.update(_properties(part, resolve))
    return props


def _kind(schema: Any, resolve: Any) -> str:
    resolved = resolve(schema) if resolve is not None and isinstance(schema, dict) else schema
    kind = resolved.get("type") if isinstance(resolved, dict) else None
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and isinstance(resolved, dict) and "properties" in resolved:
        return "object"
    return kind if isinstance(kind, str) else ""


def _fill(props: dict[str, Any], error: TwinError, status: int, resolve: Any, depth: int) -> dict[str, Any]:
    """Each declared property that names a part of the error, set from it; {} when none does."""
    out: dict[str, Any] = {}
    for name, sub in props.items():
        kind = _kind(sub, resolve)
        if kind == "object" and depth < 2 and name in ("error", "fault", "problem"):
            inner = _fill(_properties(sub, resolve), error, status, resolve, depth + 1)
            if inner:
                out[name] = inner
        elif name in _LIST and kind == "array" and isinstance(error, ValidationFailed) and error.issues:
            out[name] = [_issue(problem_item(issue), _properties((resolve(sub) if resolve else sub).get("items"),
                                                                 resolve)) for issue in error.issues]
        elif name in _MESSAGE and kind in ("string", ""):
            out[name] = error.message if name != "title" else reason_phrase(status)
        elif name in _STATUS and kind in ("integer", "number"):
            out[name] = status
        elif name in _CODE:
            out[name] = status if kind in ("integer", "number") else (error.code or reason_phrase(status))
        elif name in _FIELD and kind in ("string", "") and error.field:
            out[name] = error.field
    return out


def _issue(item: dict[str, Any], props: dict[str, Any]) -> Any:
    """One bad input in the declared item shape when it has one, else as a problem-details member."""
    if not props:
        return item
    where = item.get("pointer") or item.get("parameter") or item.get("header") or ""
    out: dict[str, Any] = {}
    for name in props:
        if name in _MESSAGE:
            out[name] = item["detail"]
        elif name in _FIELD:
            out[name] = where
    return out or item
