"""Reads an OpenAPI document from JSON, YAML, or a JSON block inside Markdown."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from twinstack.errors import StartupError

_FENCE = re.compile(r"```(?:json|yaml|yml)?\s*\n(.*?)```", re.S)


def parse_text(text: str, source: str) -> dict[str, Any]:
    """Parse a document's text; Markdown is searched for the fenced block holding it."""
    stripped = text.lstrip()
    candidates: list[str] = [text]
    if not stripped.startswith(("{", "openapi", "swagger", "---")):
        # A document published as Markdown keeps the spec in a fenced block.
        candidates = [m.group(1) for m in _FENCE.finditer(text)] or [text]
    for chunk in candidates:
        doc = _parse_chunk(chunk)
        if isinstance(doc, dict) and "openapi" in doc:
            return doc
    raise StartupError("not an OpenAPI 3.x document (no 'openapi' field found)", source)


def _parse_chunk(chunk: str) -> Any:
    try:
        return orjson.loads(chunk)
    except orjson.JSONDecodeError:
        pass
    # Most documents are JSON: the YAML parser is loaded only for one that is not.
    import yaml

    try:
        return yaml.safe_load(chunk)
    except yaml.YAMLError:
        return None


def load_document(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StartupError(f"cannot read document: {exc}", str(path)) from exc
    doc = parse_text(text, str(path))
    version = str(doc.get("openapi", ""))
    if not version.startswith(("3.0", "3.1")):
        raise StartupError(f"unsupported OpenAPI version {version!r}; 3.0 and 3.1 are served", str(path), "/openapi")
    return doc
