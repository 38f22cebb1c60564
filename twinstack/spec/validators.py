"""The compiled JSON Schema validators of one document, made on first use and shared by content.

A document names the same schema many times (every operation's 422 body, every
``{"$ref": ...}`` to one component), so a validator is compiled once per
distinct schema text, when a request, a response or the synthesiser first
needs it, never once per place that mentions it. Internal ``$ref``s point into
one registry holding the parts of the document they point into, so a schema
compiles exactly as it reads in the document.

``check`` validates every named schema against the 2020-12 meta-schema at
start, so a document whose schemas cannot compile still fails before serving.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import jsonschema_rs
import orjson

_BASE = "urn:twinstack:document"


class Checker(Protocol):
    """What the engine asks of a compiled schema."""

    def is_valid(self, instance: Any) -> bool: ...

    def iter_errors(self, instance: Any) -> Iterator[Any]: ...


class SchemaValidators:
    """Validators for the schemas of one converted document, keyed by content."""

    def __init__(self, doc: dict[str, Any], defs: dict[str, Any], refs: set[str]) -> None:
        # The registry copies what it holds: only the parts of the document refs point into (its
        # components, as a rule), not the whole of it.
        tops = {"components", *(_unescape(ref[2:].split("/", 1)[0]) for ref in refs if ref.startswith("#/")),
                *(top for top in doc if top.startswith("x-twinstack-"))}
        self._root = doc if "#" in refs else {top: doc[top] for top in tops if top in doc}
        self._defs = defs
        """The named schemas of parameters, bodies and responses (``Param.key``, ``Media.key``)."""
        self._registry: Any = None
        self._by_key: dict[str, Checker | None] = {}
        self._by_text: dict[bytes, Checker | None] = {}

    def check(self) -> None:
        """Raise ``jsonschema_rs.ValidationError`` when a named schema breaks the 2020-12 meta-schema.

        Only the named schemas are refused, as compiling them all at once did: a component that
        cannot compile leaves the schemas referring to it unchecked rather than the twin unserved.
        """
        jsonschema_rs.meta.validate({"$defs": {f"s{i}": s for i, s in enumerate(self._defs.values())}})

    def validator(self, key: str) -> Checker | None:
        """The validator of the named schema ``key``; ``None`` when there is none or it cannot compile."""
        try:
            return self._by_key[key]
        except KeyError:
            schema = self._defs.get(key)
            found = self._by_key[key] = self.compile(schema) if isinstance(schema, (dict, bool)) else None
            return found

    def compile(self, schema: dict[str, Any] | bool) -> Checker | None:
        """A validator for ``schema`` (the document's own or made of its parts); ``None`` when it cannot compile."""
        text = _text(schema)
        try:
            return self._by_text[text]
        except KeyError:
            found = self._by_text[text] = self._compile(schema)
            return found

    def _compile(self, schema: dict[str, Any] | bool) -> Checker | None:
        if self._registry is None:
            self._registry = jsonschema_rs.Registry([(_BASE, self._root)])
        try:
            checker: Checker = jsonschema_rs.validator_for(_rebase(schema), validate_formats=True, registry=self._registry)
        except Exception:  # the library reports a bad fragment with several exception types
            return None
        return checker

    def __len__(self) -> int:
        """How many distinct schemas have been compiled so far."""
        return len(self._by_text)


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def _text(schema: dict[str, Any] | bool) -> bytes:
    """The schema's content as one key: equal schemas share a validator wherever they are written."""
    try:
        return orjson.dumps(schema, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:  # an integer beyond 64 bits, say; still one key per content
        return repr(schema).encode()


def _rebase(node: Any) -> Any:
    """``node`` with its internal ``$ref``s made absolute, pointing into the registry's document."""
    if isinstance(node, dict):
        return {
            k: (_BASE + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase(v)) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node
