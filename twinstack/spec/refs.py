"""JSON pointer look-ups and ``$ref`` resolution inside one document."""

from __future__ import annotations

from typing import Any


def pointer_get(doc: Any, pointer: str) -> Any:
    """Follow ``#/a/b`` inside ``doc``; ``KeyError`` when it does not exist."""
    node = doc
    for raw in pointer.lstrip("#").split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            raise KeyError(pointer)
    return node


def escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def deref(doc: dict[str, Any], obj: Any, defects: list[str], where: str, depth: int = 0) -> Any:
    """Resolve a non-schema ``$ref`` (parameter, response, request body, header)."""
    while isinstance(obj, dict) and "$ref" in obj and depth < 20:
        ref = obj["$ref"]
        try:
            obj = pointer_get(doc, ref)
        except (KeyError, ValueError, IndexError):
            defects.append(f"{where}: dangling $ref {ref!r}; treated as empty")
            return {}
        depth += 1
    return obj


def check_schema_refs(schema: Any, root: dict[str, Any], defects: list[str], where: str) -> Any:
    """Return ``schema`` with dangling internal refs replaced by ``{}`` (accept anything)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#"):
                defects.append(f"{where}: external $ref {ref!r} is not fetched; treated as empty")
                return {k: v for k, v in schema.items() if k != "$ref"}
            try:
                pointer_get(root, ref)
            except (KeyError, ValueError, IndexError):
                defects.append(f"{where}: dangling $ref {ref!r}; treated as empty")
                return {k: v for k, v in schema.items() if k != "$ref"}
        return {k: check_schema_refs(v, root, defects, where) for k, v in schema.items()}
    if isinstance(schema, list):
        return [check_schema_refs(v, root, defects, where) for v in schema]
    return schema
