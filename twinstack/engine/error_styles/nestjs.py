"""NestJS' error bodies, with class-validator's wording of each bad field.

What NestJS' built-in exceptions and ``ValidationPipe`` send::

    {"statusCode": 400, "message": ["title must be a string"], "error": "Bad Request"}
    {"statusCode": 404, "message": "Cannot GET /api/nothing", "error": "Not Found"}
    {"statusCode": 401, "message": "Unauthorized"}
    {"statusCode": 500, "message": "Internal server error"}

``message`` is a list for a validation failure, one string per broken
constraint naming the field (``settings.threshold must not be less than 0``;
a nested field is prefixed by its parent's path, as ``ValidationPipe`` does);
a single string otherwise. ``error`` is left out when the message is the status
phrase itself (an exception thrown without a message, such as a guard's 401),
and a 500 never carries details. A body the JSON parser refuses is one message,
before validation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from twinstack.engine.error_styles.naming import allowed_values, expected_type, reason_phrase
from twinstack.errors import FieldIssue, TwinError, ValidationFailed

GUARD_CODES = frozenset({"missing_credentials", "invalid_credentials"})
"""The engine's 401s: a NestJS auth guard answers them with the bare phrase."""

_NO_ROUTE = re.compile(r"^No route for (?:(?P<method>[A-Z]+) )?(?P<path>\S+)")
"""The engine's message for a path no operation serves."""

_TYPES = {
    "string": "must be a string",
    "number": "must be a number conforming to the specified constraints",
    "integer": "must be an integer number",
    "boolean": "must be a boolean value",
    "array": "must be an array",
    "object": "must be an object",
    "null": "must be null",
}
_FORMATS = {
    "uuid": "must be a UUID",
    "email": "must be an email",
    "date-time": "must be a valid ISO 8601 date string",
    "date": "must be a valid ISO 8601 date string",
    "uri": "must be a URL address",
    "url": "must be a URL address",
}


@dataclass(slots=True, frozen=True)
class NestJS:
    """The NestJS style, as an ``ErrorRenderer``."""

    def __call__(self, error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None) -> Any:
        if status >= 500:
            return {"statusCode": status, "message": "Internal server error"}
        if isinstance(error, ValidationFailed):
            syntax = [i for i in error.issues if i.kind in ("json_invalid", "content_type")]
            if syntax:
                return nest_body(status, syntax[0].message)
            return nest_body(status, [class_validator_message(issue) for issue in error.issues])
        if error.code in GUARD_CODES:
            return nest_body(status, None)
        if error.code in ("not_found", "method_not_allowed"):
            return nest_body(status, _route_message(error.message))
        return nest_body(status, error.message)


def nest_body(status: int, message: str | list[str] | None) -> dict[str, Any]:
    """``{"statusCode", "message", "error"}``; only the phrase where there is no message of its own."""
    phrase = reason_phrase(status)
    if not message or message == phrase:
        return {"statusCode": status, "message": phrase}
    return {"statusCode": status, "message": message, "error": phrase}


def class_validator_message(issue: FieldIssue) -> str:
    """class-validator's message for one bad input, prefixed with the path of the object holding it."""
    path = [str(p) for p in issue.path]
    if issue.kind == "extra_forbidden" and path:
        return _prefixed(path[:-1], f"property {path[-1]} should not exist")
    if not path:
        return f"{issue.location} {_constraint(issue)}"
    if len(path) > 1 and isinstance(issue.path[-1], int) and not isinstance(issue.value, (dict, list)):
        # A bad element of a primitive list: "each value in tags must be a string".
        return _prefixed(path[:-2], f"each value in {path[-2]} {_constraint(issue)}")
    if issue.kind == "unique_items":
        return _prefixed(path[:-1], f"All {path[-1]}'s elements must be unique")
    return _prefixed(path[:-1], f"{path[-1]} {_constraint(issue)}")


def _prefixed(parents: list[str], message: str) -> str:
    return ".".join([*parents, message])


def _constraint(issue: FieldIssue) -> str:
    """The constraint half of the message, from the violated keyword and its value."""
    ctx = issue.context
    kind = issue.kind
    limit = ctx.get("limit")
    if kind == "missing":
        return "should not be empty"
    if kind == "type":
        wanted = expected_type(issue)
        return _TYPES.get(wanted, f"must be of type {wanted}")
    if kind == "enum":
        return "must be one of the following values: " + ", ".join(str(o) for o in allowed_values(issue) or [])
    if kind == "const":
        return f"must be equal to {ctx.get('expected_value')}"
    if kind == "string_pattern_mismatch":
        return f"must match /{ctx.get('pattern', '.*')}/ regular expression"
    if kind == "format":
        fmt = str(ctx.get("format") or "")
        return _FORMATS.get(fmt, f"must be a valid {fmt or 'value'}")
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
    # A rule of the API's own, beyond the document's schema: its message is the constraint.
    return phrases.get(kind, issue.message if kind == "rule" else "is invalid")


def _route_message(message: str) -> str:
    """Express' wording for a path no controller serves: ``Cannot GET /api/nothing``."""
    found = _NO_ROUTE.match(message)
    if found is None:
        return message
    return f"Cannot {found.group('method') or 'GET'} {found.group('path')}"
