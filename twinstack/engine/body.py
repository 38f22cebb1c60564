"""Reads a request body by its content type: JSON, form, multipart, XML or raw bytes.

Form and multipart fields arrive as text: each is turned into the type its property declares
(``"5"`` for an integer property is 5; repeated fields for an array property are a list), so
the body is validated as the document means it. A file part is its bytes as a ``latin-1``
string (one character per byte, so it validates as the ``format: binary`` string it is and can be
stored as JSON). XML is read by ``xml_body``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from twinstack.engine.xml_body import read_xml, scalar
from twinstack.errors import FieldIssue, ValidationFailed
from twinstack.spec.model import Media, Operation

def pick_media(op: Operation, content_type: str) -> Media | None:
    """The declared media type that fits the request's Content-Type."""
    ct = content_type.split(";")[0].strip().lower()
    if ct in op.body:
        return op.body[ct]
    major = ct.split("/")[0] + "/*"
    if major in op.body:
        return op.body[major]
    if "*/*" in op.body:
        return op.body["*/*"]
    if ct.endswith("+json") and "application/json" in op.body:
        return op.body["application/json"]
    if ct.endswith("+xml") and "application/xml" in op.body:
        return op.body["application/xml"]
    return None


def decode_body(raw: bytes, content_type: str, media: Media | None, resolve: Any = None) -> Any:
    """Turn the raw bytes into the value validated against the media's schema.

    ``resolve`` (``Synth.resolve``) follows ``$ref``s of the media's schema, for the form and XML readers.
    """
    ct = content_type.split(";")[0].strip().lower()
    declared = media.content_type.split(";")[0].strip().lower() if media else ct
    schema = media.schema if media is not None else None
    if "json" in declared or (declared in ("*/*",) and "json" in ct):
        if not raw.strip():
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            issue = FieldIssue("body", (), f"Invalid JSON: {exc.msg} (char {exc.pos})", "json_invalid", raw[:200], {"pos": exc.pos})
            raise ValidationFailed([issue]) from exc
    if declared == "application/x-www-form-urlencoded":
        pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
        return typed_fields(pairs, schema, resolve)
    if declared.endswith("/xml") or declared.endswith("+xml"):
        if not raw.strip():
            return None
        return read_xml(raw, schema, resolve)
    if declared.startswith("text/"):
        return raw.decode("utf-8", "replace")
    return raw


async def decode_multipart(request: Any, media: Media | None = None, resolve: Any = None) -> dict[str, Any]:
    try:
        form = await request.form()
    except (MultiPartException, HTTPException) as exc:
        # No boundary, a truncated part: the body cannot be read as the form it claims to be. (Starlette
        # reports it as an HTTPException when the request belongs to an app.)
        problem = exc.message if isinstance(exc, MultiPartException) else exc.detail
        raise ValidationFailed([FieldIssue("body", (), f"Invalid multipart body: {problem}", "multipart_invalid")]) \
            from None
    pairs: list[tuple[str, Any]] = []
    files: set[str] = set()
    for key, value in form.multi_items():
        if hasattr(value, "read"):
            files.add(key)
            pairs.append((key, (await value.read()).decode("latin-1")))
        else:
            pairs.append((key, value))
    return typed_fields(pairs, media.schema if media is not None else None, resolve, files=files)


def typed_fields(pairs: list[tuple[str, Any]], schema: Any, resolve: Any, files: set[str] | None = None) -> dict[str, Any]:
    """Form fields as the types their properties declare; a field that does not convert stays text.

    A form cannot say "an empty list": a required array property with no field is the empty list."""
    props = _properties(schema, resolve)
    out: dict[str, Any] = {}
    required = _resolved(schema, resolve).get("required") or []
    for name in required:
        if isinstance(name, str) and _kind(props.get(name) or {}) == "array" and all(k != name for k, _ in pairs):
            out[name] = []
    for key, value in pairs:
        prop = props.get(key) or {}
        kind = _kind(prop)
        if kind == "array":
            item = _resolved(prop.get("items"), resolve)
            values = out.setdefault(key, [])
            if isinstance(values, list):
                values.append(value if key in (files or ()) else _typed(value, _kind(item)))
            continue
        out[key] = value if key in (files or ()) else _typed(value, kind)
    return out


def _resolved(schema: Any, resolve: Any) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {}
    found = resolve(schema) if resolve is not None else schema
    return found if isinstance(found, dict) else {}


def _properties(schema: Any, resolve: Any) -> dict[str, Any]:
    resolved = _resolved(schema, resolve)
    props = resolved.get("properties")
    out = {k: _resolved(v, resolve) for k, v in props.items()} if isinstance(props, dict) else {}
    for part in resolved.get("allOf") or []:
        out.update(_properties(part, resolve))
    return out


def _kind(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else ""


def _typed(text: Any, kind: str) -> Any:
    if not isinstance(text, str):
        return text
    if kind in ("object", "array") and text[:1] in ("{", "["):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
    return scalar(text, kind)
