"""What an OpenAPI version's schema dialect must provide (one module per version)."""

from __future__ import annotations

from typing import Any, Protocol

# Keywords whose value is a map of name -> subschema.
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# Keywords whose value is one subschema.
SCHEMA_SINGLE = (
    "items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
    "unevaluatedProperties", "unevaluatedItems", "additionalItems",
)
# Keywords whose value is a list of subschemas.
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


class Dialect(Protocol):
    """Turns one Schema Object of a given OpenAPI version into JSON Schema 2020-12."""

    version: str

    def convert(self, schema: Any, defects: list[str], pointer: str) -> Any: ...


def walk_children(schema: dict[str, Any], convert: Any, defects: list[str], pointer: str) -> dict[str, Any]:
    """Copy ``schema`` with every subschema passed through ``convert``."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {n: convert(v, defects, f"{pointer}/{key}/{n}") for n, v in value.items()}
        elif key in SCHEMA_SINGLE and isinstance(value, dict):
            out[key] = convert(value, defects, f"{pointer}/{key}")
        elif key in SCHEMA_SINGLE and isinstance(value, list):
            # Draft-4 style tuple ``items``: 2020-12 spells it ``prefixItems``.
            out["prefixItems"] = [convert(v, defects, f"{pointer}/{key}/{i}") for i, v in enumerate(value)]
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [convert(v, defects, f"{pointer}/{key}/{i}") for i, v in enumerate(value)]
        else:
            out[key] = value
    return out


def fix_boolean_exclusive(out: dict[str, Any]) -> bool:
    """Draft-4 boolean ``exclusiveMinimum``/``exclusiveMaximum`` become 2020-12 numbers."""
    changed = False
    for excl, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(excl)
        if isinstance(flag, bool):
            changed = True
            del out[excl]
            if flag and bound in out:
                out[excl] = out.pop(bound)
    return changed


_INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def integer_bounds(out: dict[str, Any]) -> None:
    """``format: int32``/``int64`` bound the integer (as Schemathesis and the servers behind such documents
    read it); the document's own bounds win."""
    bounds = _INTEGER_BOUNDS.get(str(out.get("format")))
    kind = out.get("type")
    if bounds is None or not (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
        return
    if "minimum" not in out and "exclusiveMinimum" not in out:
        out["minimum"] = bounds[0]
    if "maximum" not in out and "exclusiveMaximum" not in out:
        out["maximum"] = bounds[1]
