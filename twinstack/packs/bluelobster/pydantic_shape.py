"""One bad input as pydantic 2 reports it, for Blue Lobster's ``HTTPValidationError``.

The real service is FastAPI, so a 422 lists ``{"type", "loc", "msg", "input",
"ctx"?}`` items exactly as pydantic words them, e.g.::

    {"type": "less_than_equal", "loc": ["body", "cores"],
     "msg": "Input should be less than or equal to 64", "input": 65, "ctx": {"le": 64}}

The engine reports each bad input as a ``FieldIssue`` (JSON Schema terms, with
the violated constraint in ``context``); this module translates one into
pydantic's type name, message and context. pydantic validates in lax mode
(``"5"`` is an integer to it) while the twin validates the document's schema as
written, so the twin refuses a little more than the real service; where both
refuse, the words are pydantic's.
"""

from __future__ import annotations

from typing import Any

from twinstack.errors import FieldIssue

_JSON_REASONS = (
    ("expected a string key", "Expecting property name enclosed in double quotes"),
    ("after document", "Extra data"),
)
"""orjson's wording of a JSON fault, and Python's (which FastAPI reports); anything else is "Expecting value"."""

# pydantic's words for a comparison: (ctx key, phrase).
_COMPARISONS: dict[str, tuple[str, str]] = {
    "less_than_equal": ("le", "less than or equal to"),
    "greater_than_equal": ("ge", "greater than or equal to"),
    "less_than": ("lt", "less than"),
    "greater_than": ("gt", "greater than"),
}

MODEL_TYPE = ("model_attributes_type", "Input should be a valid dictionary or object to extract fields from")
"""A body that is not a JSON object: FastAPI validates it against the model with ``from_attributes``."""


def pydantic_error(issue: FieldIssue) -> dict[str, Any]:
    """The ``ValidationError`` item pydantic would give for ``issue``."""
    if issue.kind == "json_invalid":
        return _json_invalid(issue)
    kind, msg, ctx = _describe(issue)
    item: dict[str, Any] = {"type": kind, "loc": [issue.location, *issue.path], "msg": msg, "input": _input(issue)}
    if ctx is not None:
        item["ctx"] = ctx
    return item


def _describe(issue: FieldIssue) -> tuple[str, str, dict[str, Any] | None]:
    """pydantic's error type, message and context for one issue."""
    kind = issue.kind
    if kind == "missing":
        return "missing", "Field required", None
    if kind == "content_type":
        return (*MODEL_TYPE, None)
    if kind == "type":
        expected = _expected_type(issue)
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
        expected = _expected_literals(issue)
        return "literal_error", f"Input should be {expected}", {"expected": expected}
    if kind == "format":
        return _format_error(issue)
    if kind == "extra_forbidden":
        return kind, "Extra inputs are not permitted", None
    return "value_error", f"Value error, {issue.message}", None


def _input(issue: FieldIssue) -> Any:
    """What pydantic shows as ``input``: for a missing field the object it is missing from, if there was one."""
    if issue.kind == "missing":
        return issue.value if issue.location == "body" and issue.path else None
    if issue.kind == "content_type":
        return None
    return issue.value


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
    if not text[0:4].isdigit():
        return "invalid character in year"
    if text[4] != "-" or text[7] != "-":
        return "invalid date separator, expected `-`"
    if not text[5:7].isdigit():
        return "invalid character in month"
    month = int(text[5:7])
    if not 1 <= month <= 12:
        return "month value is outside expected range of 1-12"
    if not text[8:10].isdigit():
        return "invalid character in day"
    year, day = int(text[0:4]), int(text[8:10])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    if not 1 <= day <= days:
        return "day value is outside expected range"
    return "unexpected extra characters at the end of the input"


def _format_error(issue: FieldIssue) -> tuple[str, str, dict[str, Any] | None]:
    fmt = str(issue.context.get("format") or "")
    if fmt == "date-time" and isinstance(issue.value, str):
        problem = datetime_problem(issue.value)
        return "datetime_from_date_parsing", f"Input should be a valid datetime or date, {problem}", {"error": problem}
    if fmt == "date" and isinstance(issue.value, str):
        problem = datetime_problem(issue.value)
        return "date_from_datetime_parsing", f"Input should be a valid date or datetime, {problem}", {"error": problem}
    return "value_error", f"Value error, invalid {fmt or 'value'}", {"error": f"invalid {fmt or 'value'}"}


def _json_invalid(issue: FieldIssue) -> dict[str, Any]:
    """FastAPI's answer to a body that is not JSON, worded as Python's ``json`` module words it.

    ``loc`` ends with the character position of the fault, as the engine found it.
    """
    position = issue.context.get("pos", 0)
    reason = next((said for cause, said in _JSON_REASONS if cause in issue.message), "Expecting value")
    return {"type": "json_invalid", "loc": ["body", position], "msg": "JSON decode error", "input": {},
            "ctx": {"error": reason}}


def _expected_type(issue: FieldIssue) -> str:
    """The JSON type the schema wanted; the non-null one where it allows null too."""
    types = [str(t) for t in issue.context.get("types") or []]
    wanted = [t for t in types if t != "null"] or types
    return wanted[0] if wanted else "string"


def _expected_literals(issue: FieldIssue) -> str:
    """pydantic's ``'a', 'b' or 'c'`` list of the allowed values."""
    if "options" in issue.context:
        options = list(issue.context["options"])
    elif "expected_value" in issue.context:
        options = [issue.context["expected_value"]]
    else:
        options = []
    shown = [repr(o) for o in options]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def _number(value: Any) -> Any:
    """A limit as pydantic prints it: ``64``, not ``64.0`` (the document writes integer bounds as floats)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
