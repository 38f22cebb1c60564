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


def issues_for(validator: Any, value: Any, location: str, prefix: tuple[str | int, ...] = (), limit: int = 50) -> list[FieldIssue]:
    if validator is None or validator.is_valid(value):
        return []
    out: list[FieldIssue] = []
    for err in validator.iter_errors(value):
        out.extend(_issues(err, location, prefix))
        if len(out) >= limit:
            break
    return out[:limit]


def _issues(err: Any, location: str, prefix: tuple[str | int, ...]) -> list[FieldIssue]:
    kind_name = type(err.kind).__name__
    if kind_name in ("AnyOf", "OneOfNotValid") and err.instance is not None:
        # A nullable field is ``anyOf: [X, null]``: report why the value fails X, not "no branch matched".
        branches = _branch_errors(err)
        if branches is not None:
            return [issue for sub in branches for issue in _issues(sub, location, prefix)]
    path: tuple[str | int, ...] = (*prefix, *err.instance_path)
    if kind_name == "Required":
        m = _REQUIRED.match(err.message)
        if m:
            path = (*path, m.group(1))
    context: dict[str, Any] = {}
    if kind_name not in ("AnyOf", "OneOfNotValid", "OneOfMultipleValid"):
        try:
            context = {k: v for k, v in err.kind.as_dict().items() if k != "context"}
        except (AttributeError, TypeError, ValueError):
            context = {}
    return [FieldIssue(location, path, _message(kind_name, err.message), _KINDS.get(kind_name, kind_name.lower()), err.instance, context)]


def _branch_errors(err: Any) -> list[Any] | None:
    """The errors of the one non-null branch of a nullable union, if it is one."""
    try:
        groups = err.kind.as_dict().get("context") or []
    except (AttributeError, TypeError, ValueError):
        return None
    # The null branch fails at the union's own path with a type error naming "null"; a real
    # branch may fail deeper with a message that also mentions null.
    here = list(err.instance_path)
    real = [
        g for g in groups
        if not (len(g) == 1 and type(g[0].kind).__name__ == "Type" and list(g[0].instance_path) == here
                and g[0].message.endswith('"null"'))
    ]
    if len(groups) == 2 and len(real) == 1 and real[0]:
        return list(real[0])
    return None


def _message(kind: str, raw: str) -> str:
    if kind == "Required":
        return "Field required"
    return raw if len(raw) < 300 else raw[:297] + "..."
