"""One bad input worded as pydantic 2 words it: ``type``, ``msg`` and ``ctx`` of a ``ValidationError`` item.

A ``FieldIssue`` says what is wrong in JSON Schema terms, with the violated
constraint in ``context``; this module translates it into pydantic's error type,
message and context, e.g. ``less_than_equal`` with ``{"limit": 64}`` becomes::

    ("less_than_equal", "Input should be less than or equal to 64", {"le": 64})

pydantic validates in lax mode (``"5"`` is an integer to it) while the twin
validates the document's schema as written, so the twin refuses a little more
than a FastAPI service does; where both refuse, the words are pydantic's.
A kind pydantic has no word for keeps the issue's own kind and message (a pack
that raises an issue of its own chose its words); the engine's kinds for a
rule beyond the schema (``rule``, ``invalid``) read as a validator's
``ValueError`` does: ``Value error, <message>``.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.error_styles.naming import allowed_values, expected_type
from twinstack.errors import FieldIssue

Words = tuple[str, str, "dict[str, Any] | None"]
"""pydantic's ``(type, msg, ctx)`` for one issue."""

MODEL_TYPE = ("model_attributes_type", "Input should be a valid dictionary or object to extract fields from")
"""A body that is not a JSON object: FastAPI validates it against the model with ``from_attributes``."""

CHECK_ORDER = (
    "missing", "json_invalid", "content_type", "enum", "const", "type", "string_too_short", "string_too_long",
    "string_pattern_mismatch", "multiple_of", "less_than_equal", "less_than", "greater_than_equal", "greater_than",
    "too_short", "too_long", "format",
)
"""The order in which pydantic checks a field's constraints; it reports only the first that fails. A
``Literal`` or ``Enum`` field checks only its values (its schema's ``type`` is pydantic's note, not a check)."""

_RULES = frozenset({"rule", "invalid", "value_error"})

# pydantic's words for a comparison: (ctx key, phrase).
_COMPARISONS: dict[str, tuple[str, str]] = {
    "less_than_equal": ("le", "less than or equal to"),
    "greater_than_equal": ("ge", "greater than or equal to"),
    "less_than": ("lt", "less than"),
    "greater_than": ("gt", "greater than"),
}

# Formats pydantic refuses without saying why beyond its message.
_FORMATS = {
    "ipv4": ("ip_v4_address", "Input is not a valid IPv4 address"),
    "ipv6": ("ip_v6_address", "Input is not a valid IPv6 address"),
}

_UUID_GROUPS = ((0, 8), (9, 4), (14, 4), (19, 4), (24, 12))
"""(start, length) of each group of a hyphenated UUID."""


def words(issue: FieldIssue, enum_type: str = "literal_error") -> Words:
    """pydantic's error type, message and context for one issue.

    ``enum_type`` is what pydantic calls a value outside the allowed ones:
    ``literal_error`` for a ``Literal`` field, ``enum`` for an ``Enum`` class.
    """
    kind = issue.kind
    if kind == "missing":
        return "missing", "Field required", None
    if kind == "content_type":
        return (*MODEL_TYPE, None)
    if kind == "type":
        expected = expected_type(issue)
        if issue.location == "body" and not issue.path and expected == "object":
            return (*MODEL_TYPE, None)
        return (*type_error(expected, issue.value), None)
    if kind in _COMPARISONS:
        key, phrase = _COMPARISONS[kind]
        limit = _number(issue.context.get("limit"))
        return kind, f"Input should be {phrase} {limit}", {key: limit}
    if kind in ("string_too_long", "string_too_short"):
        limit = int(issue.context.get("limit") or 0)
        bound, key = ("at most", "max_length") if kind == "string_too_long" else ("at least", "min_length")
        return kind, f"String should have {bound} {limit} character{'' if limit == 1 else 's'}", {key: limit}
    if kind in ("too_long", "too_short"):
        limit = int(issue.context.get("limit") or 0)
        size = len(issue.value) if isinstance(issue.value, (list, dict, str)) else 0
        bound, key = ("at most", "max_length") if kind == "too_long" else ("at least", "min_length")
        msg = f"List should have {bound} {limit} item{'' if limit == 1 else 's'} after validation, not {size}"
        return kind, msg, {"field_type": "List", key: limit, "actual_length": size}
    if kind == "string_pattern_mismatch":
        pattern = str(issue.context.get("pattern") or "")
        return kind, f"String should match pattern '{pattern}'", {"pattern": pattern}
    if kind == "multiple_of":
        factor = _number(issue.context.get("multiple_of"))
        return kind, f"Input should be a multiple of {factor}", {"multiple_of": factor}
    if kind in ("enum", "const"):
        options = allowed_values(issue)
        if options is None:
            return enum_type, issue.message, None
        expected = _literals(options)
        return enum_type, f"Input should be {expected}", {"expected": expected}
    if kind == "format":
        return _format_error(issue)
    if kind == "extra_forbidden":
        return kind, "Extra inputs are not permitted", None
    if kind in _RULES:
        return "value_error", f"Value error, {issue.message}", None
    return kind, issue.message, None


def type_error(expected: str, value: Any) -> tuple[str, str]:
    """pydantic's (lax mode) type name and message for ``value`` where ``expected`` was wanted."""
    text_or_number = isinstance(value, (str, int, float)) and not isinstance(value, bool)
    if expected == "integer":
        if isinstance(value, str):
            return "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
        if isinstance(value, float) and not value.is_integer():
            return "int_from_float", "Input should be a valid integer, got a number with a fractional part"
        return "int_type", "Input should be a valid integer"
    if expected == "number":
        if isinstance(value, str):
            return "float_parsing", "Input should be a valid number, unable to parse string as a number"
        return "float_type", "Input should be a valid number"
    if expected == "boolean":
        if text_or_number:
            return "bool_parsing", "Input should be a valid boolean, unable to interpret input"
        return "bool_type", "Input should be a valid boolean"
    if expected == "object":
        return "dict_type", "Input should be a valid dictionary"
    if expected == "array":
        return "list_type", "Input should be a valid list"
    if expected == "null":
        return "none_required", "Input should be None"
    return "string_type", "Input should be a valid string"


def datetime_problem(text: str) -> str:
    """Why pydantic's datetime parser refuses ``text``, in its words (date part checked first, as it does)."""
    if len(text) < 10:
        return "input is too short"
    if not text[0:4].isascii() or not text[0:4].isdigit():
        return "invalid character in year"
    if text[4] != "-":
        return "invalid date separator, expected `-`"
    if not text[5:7].isascii() or not text[5:7].isdigit():
        return "invalid character in month"
    if text[7] != "-":
        return "invalid date separator, expected `-`"
    if not text[8:10].isascii() or not text[8:10].isdigit():
        return "invalid character in day"
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    if not 1 <= month <= 12:
        return "month value is outside expected range of 1-12"
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    if not 1 <= day <= days:
        return "day value is outside expected range"
    return "unexpected extra characters at the end of the input"


def uuid_problem(text: str) -> str | None:
    """Why pydantic (the Rust ``uuid`` crate) refuses ``text`` as a UUID, in its words; None if it would not.

    Lengths and positions are the crate's: in bytes of the whole input, counted from 1.
    """
    size = len(text.encode("utf-8"))
    if (size == 38 and text[0] == "{" and text[-1] == "}") or (size == 45 and text.startswith("urn:uuid:")):
        # A wrapped UUID of the right length is judged by what it wraps alone.
        text = text[1:-1] if text[0] == "{" else text[len("urn:uuid:"):]
        size = len(text.encode("utf-8"))
    body, offset, simple = text, 0, True
    if len(text) >= 2 and text[0] == "{" and text[-1] == "}":
        body, offset, simple = text[1:-1], 1, False
    elif text.startswith("urn:uuid:"):
        body, offset, simple = text[len("urn:uuid:"):], len("urn:uuid:"), False
    hyphens: list[int] = []
    for index, char in enumerate(body):
        if char == "-":
            hyphens.append(index)
        elif char not in "0123456789abcdefABCDEF":
            # Every character before it is ASCII, so its character index is its byte index.
            return f"invalid character: found `{char}` at {index + offset + 1}"
    if not hyphens and simple:
        return None if size == 32 else f"invalid length: expected length 32 for simple format, found {size}"
    if len(hyphens) != 4:
        return f"invalid group count: expected 5, found {len(hyphens) + 1}"
    for group, ((start, length), hyphen) in enumerate(zip(_UUID_GROUPS, hyphens)):
        if hyphen != start + length:
            return f"invalid group length in group {group}: expected {length}, found {hyphen - start}"
    last_start, last_length = _UUID_GROUPS[-1]
    found = size - last_start
    if found == last_length and simple:
        return None
    # The crate blames the last group of any other refused input, counting the wrapping in.
    return f"invalid group length in group 4: expected {last_length}, found {found}"


def _format_error(issue: FieldIssue) -> Words:
    """pydantic's words for a value the format refuses. A ``date`` given with a time part is worded by the
    date parser; pydantic goes on to parse it as a datetime and may blame the time instead."""
    fmt = str(issue.context.get("format") or "")
    text = issue.value if isinstance(issue.value, str) else None
    if fmt == "date-time" and text is not None:
        problem = datetime_problem(text)
        return "datetime_from_date_parsing", f"Input should be a valid datetime or date, {problem}", {"error": problem}
    if fmt == "date" and text is not None:
        problem = datetime_problem(text)
        return "date_from_datetime_parsing", f"Input should be a valid date or datetime, {problem}", {"error": problem}
    if fmt == "uuid" and text is not None:
        found = uuid_problem(text)
        if found is not None:
            return "uuid_parsing", f"Input should be a valid UUID, {found}", {"error": found}
    if fmt in _FORMATS:
        return (*_FORMATS[fmt], None)
    return "value_error", f"Value error, invalid {fmt or 'value'}", {"error": f"invalid {fmt or 'value'}"}


def _literals(options: list[Any]) -> str:
    """pydantic's ``'a', 'b' or 'c'`` list of the allowed values."""
    shown = [repr(o) for o in options]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def _number(value: Any) -> Any:
    """A limit as pydantic prints it: ``64``, not ``64.0`` (the document writes integer bounds as floats)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
