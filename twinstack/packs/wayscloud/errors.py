"""WAYSCloud's error bodies, and the status of a bad request.

WAYSCloud is a FastAPI service, and its document declares two error shapes:

- ``Error``: ``{"detail": "<text>"}`` — the norm, for every status;
- ``HTTPValidationError``: ``{"detail": [{"loc", "msg", "type"}]}`` — FastAPI's
  validation list, declared on 63 responses (IoT, Apps, ``/v1/quota``).

The shape is chosen by the declared schema of the status being sent; where none
is declared the ``Error`` shape is used. Texts follow the document's examples
("Invalid or missing API key", "VPS not found"); a bad input is named
``<location>.<field>: <message>`` in pydantic's words, e.g.
``body.db_type: Input should be 'postgresql' or 'mariadb'``.

A pack handler that needs an exact text the generic wording would not give
raises its error with ``details={"detail": "..."}``.
"""

from __future__ import annotations

import re
from typing import Any

from twinstack.errors import FieldIssue, TwinError, ValidationFailed
from twinstack.packs.wayscloud.permissions import service_of
from twinstack.spec.model import Operation

_TYPE_NAMES = {
    "string": "a valid string", "integer": "a valid integer", "number": "a valid number",
    "boolean": "a valid boolean", "array": "a valid list", "object": "a valid dictionary", "null": "None",
}
_FORMAT_NAMES = {
    "uuid": "a valid UUID", "date": "a valid date", "date-time": "a valid datetime", "email": "a valid email address",
    "uri": "a valid URL", "ipv4": "a valid IPv4 address", "ipv6": "a valid IPv6 address", "time": "a valid time",
}
_NOUNS = {"vps": "VPS", "db": "Database", "ip": "IP", "asn": "ASN", "ssh": "SSH", "dns": "DNS", "sms": "SMS"}
_MAX_NAMED = 3
"""How many bad fields one ``detail`` text names."""


def render_error(error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The body for ``error`` sent with ``status``; ``schema`` is that status's declared schema, if any."""
    operation: Operation | None = error.operation
    if _is_validation_list(schema):
        return {"detail": validation_items(error)}
    return {"detail": detail_text(error, status, operation)}


def validation_status(operation: Operation, error: ValidationFailed) -> int | None:
    """A malformed path parameter names no resource: 404 where declared, else (on actions that
    declare neither 404 nor a bad-input status) 409, as ``statuses`` answers a missing resource.
    Otherwise the default rule."""
    if not error.issues or any(i.location != "path" for i in error.issues):
        return None
    if operation.declared(404):
        return 404
    if operation.declared(409) and not (operation.declared(400) or operation.declared(422)):
        return 409
    return None


def _is_validation_list(schema: dict[str, Any] | None) -> bool:
    if not schema:
        return False
    if str(schema.get("$ref", "")).endswith("/HTTPValidationError"):
        return True
    detail = (schema.get("properties") or {}).get("detail") or {}
    return isinstance(detail, dict) and detail.get("type") == "array"


# -- validation ------------------------------------------------------------------
def validation_items(error: TwinError) -> list[dict[str, Any]]:
    """FastAPI's ``[{"loc", "msg", "type"}]`` for a failed request."""
    if isinstance(error, ValidationFailed) and error.issues:
        return [_item(issue) for issue in error.issues]
    loc: list[str | int] = list(error.field.split(".")) if error.field else ["body"]
    return [{"loc": loc, "msg": _plain_text(error), "type": error.code}]


def _item(issue: FieldIssue) -> dict[str, Any]:
    path, msg = _pydantic(issue)
    return {"loc": [issue.location, *path], "msg": msg, "type": issue.kind}


def _pydantic(issue: FieldIssue) -> tuple[tuple[str | int, ...], str]:
    """The field path and pydantic v2's wording for one issue (the validator's own text when unknown)."""
    raw, kind, path = issue.message, issue.kind, issue.path
    if kind == "missing":
        return path, "Field required"
    if kind == "type":
        found = re.search(r'is not of types? (.+)$', raw)
        names = re.findall(r'"(\w+)"', found.group(1)) if found else []
        wanted = [_TYPE_NAMES.get(n, n) for n in names if n != "null"]
        return path, f"Input should be {' or '.join(wanted)}" if wanted else raw
    if kind == "enum":
        found = re.search(r"is not one of (.+)$", raw)
        return path, f"Input should be {found.group(1).replace(chr(34), chr(39))}" if found else raw
    if kind == "format":
        found = re.search(r'is not a "([\w-]+)"', raw)
        fmt = found.group(1) if found else ""
        return path, f"Input should be {_FORMAT_NAMES.get(fmt, 'a valid ' + fmt)}" if fmt else raw
    bounds = {
        "less_than_equal": (r"maximum of (\S+)", "Input should be less than or equal to {}"),
        "greater_than_equal": (r"minimum of (\S+)", "Input should be greater than or equal to {}"),
        "less_than": (r"maximum of (\S+)", "Input should be less than {}"),
        "greater_than": (r"minimum of (\S+)", "Input should be greater than {}"),
        "string_too_long": (r"longer than (\d+)", "String should have at most {} characters"),
        "string_too_short": (r"shorter than (\d+)", "String should have at least {} characters"),
        "too_long": (r"more than (\d+)", "List should have at most {} items"),
        "too_short": (r"less than (\d+)", "List should have at least {} items"),
        "string_pattern_mismatch": (r'does not match "(.+)"$', "String should match pattern '{}'"),
    }
    if kind in bounds:
        pattern, text = bounds[kind]
        found = re.search(pattern, raw)
        return path, text.format(found.group(1)) if found else raw
    if kind == "extra_forbidden":
        found = re.search(r"\('([^']+)' was unexpected", raw)
        return ((*path, found.group(1)) if found else path), "Extra inputs are not permitted"
    return path, raw


# -- text ------------------------------------------------------------------------
def detail_text(error: TwinError, status: int, operation: Operation | None = None) -> str:
    """The ``detail`` string, worded as WAYSCloud words it."""
    if isinstance(error.details.get("detail"), str):
        return str(error.details["detail"])
    if isinstance(error, ValidationFailed) and error.issues:
        named = []
        for issue in error.issues[:_MAX_NAMED]:
            path, msg = _pydantic(issue)
            named.append(f"{'.'.join(str(p) for p in (issue.location, *path))}: {msg}")
        return "; ".join(named)
    if status == 401:
        return _unauthorized_text(operation)
    if status == 403 and error.code == "insufficient_scope":
        return _forbidden_text(operation)
    if status == 404:
        if error.message.startswith("No route for"):
            return "Not Found"
        if error.field and error.code == "not_found":
            return f"{noun(error.field)} not found"
    if status == 405:
        return "Method Not Allowed"
    if status >= 500 and error.code == "internal_error":
        return "Internal server error"
    return _plain_text(error)


def _plain_text(error: TwinError) -> str:
    if error.field and error.field not in error.message:
        return f"{error.field}: {error.message}"
    return error.message


def _unauthorized_text(operation: Operation | None) -> str:
    schemes = {name for requirement in (operation.security if operation else []) for name in requirement}
    if schemes == {"AccountAuth"}:
        return "Invalid or missing PAT token"
    if "BearerAuth" in schemes:
        return "Invalid or missing authentication token"
    return "Invalid or missing API key"


def _forbidden_text(operation: Operation | None) -> str:
    service = service_of(operation.path) if operation else None
    if service is not None:
        return f"API key does not have permission for the {service} service"
    return "Token does not have the scope this operation requires"


def noun(field: str) -> str:
    """``vps_id`` → ``VPS``, ``zone_name`` → ``Zone``, ``db_name`` → ``Database``: the thing a field names."""
    base = field.rsplit(".", 1)[-1]
    base = re.sub(r"_(id|name|code|slug|uuid)$", "", base) or base
    words = [_NOUNS.get(w, w) for w in base.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]
