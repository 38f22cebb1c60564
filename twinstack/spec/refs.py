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


def refs_in(node: Any) -> set[str]:
    """Every distinct ``$ref`` string anywhere under ``node``."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, (dict, list)))
    return found


def check_schema_refs(schema: Any, root: dict[str, Any], refs: set[str], defects: list[str], where: str) -> Any:
    """``schema`` with dangling internal refs replaced by ``{}`` (accept anything).

    ``refs`` are the refs under ``schema`` (``refs_in``); when all of them resolve, as in a sound
    document, ``schema`` itself is returned and nothing is copied.
    """
    if all(_resolves(ref, root) for ref in refs):
        return schema
    return _repaired(schema, root, defects, where)


def _resolves(ref: str, root: dict[str, Any]) -> bool:
    if not ref.startswith("#"):
        return False
    try:
        pointer_get(root, ref)
    except (KeyError, ValueError, IndexError):
        return False
    return True


def _repaired(schema: Any, root: dict[str, Any], defects: list[str], where: str) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and not _resolves(ref, root):
            problem = f"dangling $ref {ref!r}" if ref.startswith("#") else f"external $ref {ref!r} is not fetched"
            defects.append(f"{where}: {problem}; treated as empty")
            return {k: v for k, v in schema.items() if k != "$ref"}
        return {k: _repaired(v, root, defects, where) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_repaired(v, root, defects, where) for v in schema]
    return schema
