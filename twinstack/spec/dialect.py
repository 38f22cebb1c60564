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
