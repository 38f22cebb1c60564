"""Turns compiled-validator errors into field issues naming the bad input."""

from __future__ import annotations

import re
from typing import Any

from twinstack.errors import FieldIssue

_REQUIRED = re.compile(r'^"?(.*?)"? is a required property')
_KINDS = {
    "Required": "missing",
    "Type": "type",
    "Enum": "enum",
    "Const": "const",
    "Maximum": "less_than_equal",
    "Minimum": "greater_than_equal",
    "ExclusiveMaximum": "less_than",
    "ExclusiveMinimum": "greater_than",
    "MaxLength": "string_too_long",
    "MinLength": "string_too_short",
    "Pattern": "string_pattern_mismatch",
    "Format": "format",
    "MaxItems": "too_long",
    "MinItems": "too_short",
    "AdditionalProperties": "extra_forbidden",
    "OneOfNotValid": "union",
    "OneOfMultipleValid": "union",
    "AnyOf": "union",
    "MultipleOf": "multiple_of",
    "UniqueItems": "unique_items",
}


def issues_for(validator: Any, value: Any, location: str, prefix: tuple[str | int, ...] = (), limit: int = 5) -> list[FieldIssue]:
    if validator is None or validator.is_valid(value):
        return []
    out: list[FieldIssue] = []
    for err in validator.iter_errors(value):
        kind_name = type(err.kind).__name__
        path: tuple[str | int, ...] = (*prefix, *err.instance_path)
        if kind_name == "Required":
            m = _REQUIRED.match(err.message)
            if m:
                path = (*path, m.group(1))
        out.append(FieldIssue(location, path, _message(kind_name, err.message), _KINDS.get(kind_name, kind_name.lower()), err.instance))
        if len(out) >= limit:
            break
    return out


def _message(kind: str, raw: str) -> str:
    if kind == "Required":
        return "Field required"
    return raw if len(raw) < 300 else raw[:297] + "..."
