"""Turns compiled-validator errors into field issues naming the bad input.

Each issue carries what a renderer needs to word it in any API's language, so
no renderer reads the validator's message: ``kind`` (a short error type), the
violated constraint in ``context`` (``limit``, ``pattern``, ``types``,
``options``, ``expected_value``, ``format``, ``multiple_of``) and the ``value``
at fault. ``message`` stays the validator's own text, for APIs that show it.
An object with unexpected properties is one issue per property, at its path.
"""

from __future__ import annotations

from typing import Any

from twinstack.errors import FieldIssue

_KINDS = {
    "Required": "missing",
    "Type": "type",
    "Enum": "enum",
    "Constant": "const",
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
    "UnevaluatedProperties": "extra_forbidden",
    "OneOfNotValid": "union",
    "OneOfMultipleValid": "union",
    "AnyOf": "union",
    "MultipleOf": "multiple_of",
    "UniqueItems": "unique_items",
}
_UNIONS = ("AnyOf", "OneOfNotValid", "OneOfMultipleValid")
_SCALARS = (str, int, float, bool, type(None))


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
    context = {} if kind_name in _UNIONS else _constraint(err)
    kind = _KINDS.get(kind_name, kind_name.lower())
    if kind_name == "Required" and "property" in context:
        return [FieldIssue(location, (*path, str(context["property"])), "Field required", kind, err.instance, {})]
    if kind == "extra_forbidden":
        owner = err.instance if isinstance(err.instance, dict) else {}
        return [
            FieldIssue(location, (*path, name), f"Additional properties are not allowed ({name!r} was unexpected)",
                       kind, owner.get(name), {})
            for name in (str(n) for n in context.get("unexpected") or [])
        ]
    return [FieldIssue(location, path, _shorten(err.message), kind, err.instance, context)]


def _constraint(err: Any) -> dict[str, Any]:
    """The violated keyword's values (``{"limit": 64}``), JSON values only (sub-errors are dropped)."""
    try:
        raw = err.kind.as_dict()
    except (AttributeError, TypeError, ValueError):
        return {}
    return {k: v for k, v in raw.items() if k != "context" and _json_value(v)}


def _json_value(value: Any) -> bool:
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, list):
        return all(_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_value(v) for k, v in value.items())
    return False


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
                and "null" in (g[0].kind.as_dict().get("types") or []))
    ]
    if len(groups) == 2 and len(real) == 1 and real[0]:
        return list(real[0])
    return None


def _shorten(raw: str) -> str:
    return raw if len(raw) < 300 else raw[:297] + "..."
