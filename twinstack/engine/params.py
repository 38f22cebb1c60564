"""Reads parameters by their declared location, style and type.

Text that cannot be coerced to the declared type is passed through unchanged,
so that validation reports it against the parameter by name.
"""

from __future__ import annotations

from typing import Any

from twinstack.spec.model import Param

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def coerce(text: str, kind: str) -> Any:
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                return text
            return int(as_float) if as_float.is_integer() else text
    if kind == "number":
        try:
            value = float(text)
        except ValueError:
            return text
        return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value
    if kind == "boolean":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        return text
    if kind == "null" and text in ("", "null"):
        return None
    return text


def read_param(param: Param, query: list[tuple[str, str]], headers: Any, cookies: dict[str, str], path: dict[str, str]) -> tuple[bool, Any]:
    """Return (present, value) for one parameter."""
    loc = param.location
    if loc == "query":
        if param.kind == "object" and param.style == "deepObject":
            prefix = param.name + "["
            obj = {k[len(prefix):-1]: v for k, v in query if k.startswith(prefix) and k.endswith("]")}
            return (bool(obj), obj)
        values = [v for k, v in query if k == param.name]
        if not values:
            values = [v for k, v in query if k == param.name + "[]"]
            if not values:
                return False, None
        if param.kind == "array":
            if not param.explode or len(values) == 1:
                sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(param.style, ",")
                values = [part for v in values for part in (v.split(sep) if v != "" else [])]
            return True, [coerce(v, param.item_kind) for v in values]
        if param.kind == "object":
            return True, _object_from_text(values[0], param.explode)
        return True, coerce(values[-1], param.kind)
    if loc == "path":
        raw = path.get(param.name)
        if raw is None:
            return False, None
    elif loc == "header":
        raw = headers.get(param.name)
        if raw is None:
            return False, None
    else:
        raw = cookies.get(param.name)
        if raw is None:
            return False, None
    if param.kind == "array":
        return True, [coerce(v, param.item_kind) for v in raw.split(",")] if raw != "" else []
    if param.kind == "object":
        return True, _object_from_text(raw, param.explode)
    return True, coerce(raw, param.kind)


def _object_from_text(text: str, explode: bool) -> Any:
    parts = [p for p in text.replace("=", ",").split(",")] if explode else text.split(",")
    if len(parts) % 2:
        return text
    return {parts[i]: parts[i + 1] for i in range(0, len(parts), 2)}
