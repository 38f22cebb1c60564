"""OpenAPI 3.0: ``nullable``, boolean exclusive bounds and ``$ref`` siblings."""

from __future__ import annotations

from typing import Any

from twinstack.spec.dialect import fix_boolean_exclusive, integer_bounds, walk_children


class OpenAPI30:
    version = "3.0"

    def convert(self, schema: Any, defects: list[str], pointer: str) -> Any:
        if not isinstance(schema, dict):
            return schema
        out = walk_children(schema, self.convert, defects, pointer)
        fix_boolean_exclusive(out)
        integer_bounds(out)
        nullable = out.pop("nullable", False) is True
        if "$ref" in out:
            # 3.0 ignores a $ref's siblings; keep only what matters for validation.
            ref = {"$ref": out["$ref"]}
            return {"anyOf": [ref, {"type": "null"}]} if nullable else ref
        if nullable:
            return make_nullable(out)
        return out


def make_nullable(out: dict[str, Any]) -> dict[str, Any]:
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list):
        if "null" not in kind:
            out["type"] = [*kind, "null"]
    else:
        return {"anyOf": [out, {"type": "null"}]}
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out
