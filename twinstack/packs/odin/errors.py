"""ODIN Cortex's error bodies: the NestJS shape, with class-validator's wording.

Cortex is a NestJS service, and the document declares no error schema at all,
so every error body is what NestJS' built-in exceptions produce::

    {"statusCode": 400, "message": ["title must be a string"], "error": "Bad Request"}
    {"statusCode": 404, "message": "Session not found", "error": "Not Found"}
    {"statusCode": 401, "message": "Unauthorized"}

``message`` is a list of strings, one per bad field and each naming it, for a
validation failure (``ValidationPipe``); a single string otherwise. NestJS
omits ``error`` when the message is the status phrase itself (an exception
thrown without a message), and a 500 never carries details.
"""

from __future__ import annotations

import re
from typing import Any

from twinstack.errors import FieldIssue, TwinError, ValidationFailed

PHRASES: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}

_ENGINE_AUTH_CODES = {"missing_credentials", "invalid_credentials"}
"""The engine's own 401s: Passport's guard answers them with the bare phrase."""
SCOPE_MESSAGE = "API key does not have the required scope"
"""403 for a key without the operation's scope, followed by the scope (wording not public: a twin choice)."""

_NO_ROUTE = re.compile(r"^No route for (?:(?P<method>[A-Z]+) )?(?P<path>\S+)")

_TYPE_PHRASES = {
    "string": "must be a string",
    "number": "must be a number conforming to the specified constraints",
    "integer": "must be an integer number",
    "boolean": "must be a boolean value",
    "array": "must be an array",
    "object": "must be an object",
    "null": "must be null",
}
_FORMAT_PHRASES = {
    "uuid": "must be a UUID",
    "email": "must be an email",
    "date-time": "must be a valid ISO 8601 date string",
    "date": "must be a valid ISO 8601 date string",
    "uri": "must be a URL address",
    "url": "must be a URL address",
}


def render_error(error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The body NestJS would send for ``error`` answered with ``status``."""
    phrase = PHRASES.get(status, "Error")
    if status >= 500:
        return {"statusCode": status, "message": "Internal server error"}
    if isinstance(error, ValidationFailed):
        syntax = [i for i in error.issues if i.kind in ("json_invalid", "content_type")]
        if syntax:
            # body-parser rejects the request before validation, with its own single message.
            return {"statusCode": status, "message": syntax[0].message, "error": phrase}
        return {"statusCode": status, "message": [describe(issue) for issue in error.issues], "error": phrase}
    if error.code in _ENGINE_AUTH_CODES:
        return {"statusCode": status, "message": phrase}
    if error.code == "insufficient_scope":
        scopes = ", ".join(str(s) for s in error.details.get("scopes") or [])
        return {"statusCode": status, "message": f"{SCOPE_MESSAGE}: {scopes}" if scopes else SCOPE_MESSAGE,
                "error": phrase}
    message = _route_message(error.message) if error.code in ("not_found", "method_not_allowed") else error.message
    if not message or message == phrase:
        return {"statusCode": status, "message": phrase}
    return {"statusCode": status, "message": message, "error": phrase}


def _route_message(message: str) -> str:
    """Express' wording for a path no controller serves: ``Cannot GET /api/nothing``."""
    found = _NO_ROUTE.match(message)
    if found is None:
        return message
    return f"Cannot {found.group('method') or 'GET'} {found.group('path')}"


def field_name(issue: FieldIssue) -> str:
    """The property path class-validator prints: ``settings.threshold``, ``participants.0.email``."""
    if not issue.path:
        return "body" if issue.location == "body" else issue.location
    return ".".join(str(part) for part in issue.path)


def describe(issue: FieldIssue) -> str:
    """One class-validator message for one bad input, naming the field."""
    path = issue.path
    if issue.kind == "extra_forbidden":
        owner = field_name(issue) + "." if path else ""
        extra = ", ".join(str(u) for u in issue.context.get("unexpected") or ["unknown"])
        return f"property {owner}{extra} should not exist"
    if issue.kind == "missing":
        return f"{field_name(issue)} should not be empty"
    if path and isinstance(path[-1], int) and not isinstance(issue.value, (dict, list)):
        # A bad element of a primitive list reads "each value in tags must be a string".
        name = "each value in " + ".".join(str(p) for p in path[:-1])
    else:
        name = field_name(issue)
    return f"{name} {_constraint(issue)}"


def _constraint(issue: FieldIssue) -> str:
    """The constraint half of the message, from the violated keyword and its value."""
    ctx = issue.context
    kind = issue.kind
    limit = ctx.get("limit")
    if kind == "rule":
        # A rule of the API's own, beyond the document's schema: the message is the constraint.
        return issue.message
    if kind == "type":
        types = [str(t) for t in ctx.get("types") or []]
        wanted = next((t for t in types if t != "null"), types[0] if types else "string")
        return _TYPE_PHRASES.get(wanted, f"must be of type {wanted}")
    if kind == "enum":
        return "must be one of the following values: " + ", ".join(str(o) for o in ctx.get("options") or [])
    if kind in ("constant", "const"):
        return f"must be equal to {ctx.get('expected_value')}"
    if kind == "string_pattern_mismatch":
        return f"must match /{ctx.get('pattern', '.*')}/ regular expression"
    if kind == "format":
        fmt = str(ctx.get("format") or "")
        return _FORMAT_PHRASES.get(fmt, f"must be a valid {fmt or 'value'}")
    phrases = {
        "string_too_short": f"must be longer than or equal to {limit} characters",
        "string_too_long": f"must be shorter than or equal to {limit} characters",
        "greater_than_equal": f"must not be less than {limit}",
        "less_than_equal": f"must not be greater than {limit}",
        "greater_than": f"must be greater than {limit}",
        "less_than": f"must be less than {limit}",
        "too_short": f"must contain at least {limit} elements",
        "too_long": f"must contain no more than {limit} elements",
        "multiple_of": f"must be divisible by {ctx.get('multiple_of')}",
        "unique_items": "must contain unique elements",
    }
    return phrases.get(kind, "is invalid")
