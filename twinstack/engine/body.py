"""Reads a request body by its content type: JSON, form, multipart or raw bytes."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson

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
    return None


def decode_body(raw: bytes, content_type: str, media: Media | None) -> Any:
    """Turn the raw bytes into the value validated against the media's schema."""
    ct = content_type.split(";")[0].strip().lower()
    declared = media.content_type.split(";")[0].strip().lower() if media else ct
    if "json" in declared or (declared in ("*/*",) and "json" in ct):
        if not raw.strip():
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            issue = FieldIssue("body", (), f"Invalid JSON: {exc.msg} (char {exc.pos})", "json_invalid", raw[:200], {"pos": exc.pos})
            raise ValidationFailed([issue]) from exc
    if declared == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if declared.startswith("text/"):
        return raw.decode("utf-8", "replace")
    return raw


async def decode_multipart(request: Any) -> dict[str, Any]:
    form = await request.form()
    out: dict[str, Any] = {}
    for key, value in form.multi_items():
        if hasattr(value, "read"):
            out[key] = await value.read()
        else:
            out[key] = value
    return out
