"""``readOnly`` and ``writeOnly``: the same schema read one way in requests and another in responses.

A server-assigned ``id`` marked ``readOnly`` and ``required`` is required in what the server sends,
never in what the client sends; a ``writeOnly`` password is the other way round. JSON Schema
validators ignore both keywords, so the document's components are copied twice at start, once
per direction, with those properties taken out of ``required`` (``#/x-twinstack-request/...`` and
``#/x-twinstack-response/...``); request and response schemas refer into their own copy. A document
with neither keyword is left as it is.
"""

from __future__ import annotations

import copy
from typing import Any

REQUEST = "x-twinstack-request"
RESPONSE = "x-twinstack-response"
MEDIA = "x-twinstack-media"
"""Where the directed schemas of bodies and responses are kept in the document, so that they belong to it
(the synthesiser caches what the document holds) and their ``$ref``s resolve in it."""
_FLAG = {REQUEST: "readOnly", RESPONSE: "writeOnly"}


class Directions:
    """Turns a schema of ``doc`` into its request or response reading."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self._doc = doc
        self.active = _mentions_flags(doc)
        if self.active:
            components = doc.get("components") or {}
            for top in (REQUEST, RESPONSE):
                doc[top] = {"components": self._directed(copy.deepcopy(components), top)}

    def keep(self, key: str, schema: Any) -> Any:
        """``schema`` (a directed copy) stored in the document under ``key``; the schema."""
        if self.active:
            self._doc.setdefault(MEDIA, {})[key] = schema
        return schema

    def request(self, schema: Any) -> Any:
        return self._directed(copy.deepcopy(schema), REQUEST) if self.active else schema

    def response(self, schema: Any) -> Any:
        return self._directed(copy.deepcopy(schema), RESPONSE) if self.active else schema

    def _directed(self, node: Any, top: str) -> Any:
        if isinstance(node, list):
            return [self._directed(item, top) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            node["$ref"] = f"#/{top}/{ref[2:]}"
        props = node.get("properties")
        required = node.get("required")
        if isinstance(props, dict) and isinstance(required, list):
            flag = _FLAG[top]
            node["required"] = [name for name in required if not self._flagged(props.get(name), flag)]
        for key, value in node.items():
            if key not in ("$ref", "required", "example", "examples", "enum", "const", "default"):
                node[key] = self._directed(value, top)
        return node

    def _flagged(self, schema: Any, flag: str, depth: int = 0) -> bool:
        if not isinstance(schema, dict) or depth > 4:
            return False
        if schema.get(flag) is True:
            return True
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            target: Any = self._doc
            for part in ref[2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, dict) else None
            return self._flagged(target, flag, depth + 1)
        return any(self._flagged(part, flag, depth + 1) for part in schema.get("allOf") or [])


def _mentions_flags(node: Any) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("readOnly") is True or item.get("writeOnly") is True:
                return True
            stack.extend(v for k, v in item.items() if k not in ("example", "examples"))
        elif isinstance(item, list):
            stack.extend(item)
    return False
