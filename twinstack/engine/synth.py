"""Deterministic, format-aware values for a JSON Schema, and repair of near-misses.

``generate`` invents a value (examples first, when they fit); ``shape`` keeps
what a stored or requested value already gets right and fills or replaces only
what does not fit, so responses carry real state yet always validate.
Both are seeded by a string, so the same resource reads back identically.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
import uuid
from typing import Any

import rstr

from twinstack.spec.refs import pointer_get
from twinstack.spec.validators import Checker, SchemaValidators

_MAX_DEPTH = 6
_PREFERRED_STATUS = (
    "active", "running", "available", "ready", "enabled", "completed", "succeeded", "success",
    "healthy", "ok", "online", "delivered", "verified", "open", "live", "connected", "valid", "approved",
)


class Synth:
    """Generation and shaping against one converted document's schemas."""

    def __init__(self, doc: dict[str, Any], validators: SchemaValidators) -> None:
        self.doc = doc
        self._validators = validators
        self.checked: Any = None
        """The last value a top-level ``shape`` found valid as it was (so a renderer need not check it again)."""
        self._owned: set[int] = set()
        """Ids of the document's own objects: they live as long as the document, so caches may key on them."""
        self._own(doc)
        self._resolved: dict[int, dict[str, Any]] = {}
        self._kinds: dict[int, str | None] = {}
        self._props: dict[int, tuple[dict[str, Any], list[str]]] = {}
        self._checkers: dict[int, Checker | None] = {}
        self._merged: dict[tuple[int, int], dict[str, Any]] = {}

    def _own(self, node: Any) -> None:
        owned, stack = self._owned, [node]
        while stack:
            item = stack.pop()
            owned.add(id(item))
            for value in item.values() if type(item) is dict else item:
                if type(value) is dict or type(value) is list:
                    stack.append(value)

    # -- schema helpers ---------------------------------------------------
    def resolve(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        key = id(schema)
        cached = self._resolved.get(key)
        if cached is not None:
            return cached
        resolved = self._resolve(schema, depth)
        if key in self._owned:
            # Only document-owned schemas are cached: they live as long as the document, and so
            # does a cached result, which may then be cached on in turn.
            self._resolved[key] = resolved
            self._owned.add(id(resolved))
        return resolved

    def _resolve(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        while isinstance(schema, dict) and "$ref" in schema and depth < 20:
            try:
                target = pointer_get(self.doc, schema["$ref"])
            except (KeyError, ValueError, IndexError):
                return {}
            if len(schema) > 1:
                schema = {**{k: v for k, v in schema.items() if k != "$ref"}, **target}
            else:
                schema = target
            depth += 1
        return schema if isinstance(schema, dict) else {}

    def valid(self, schema: Any, value: Any) -> bool:
        if not isinstance(schema, dict) or not schema:
            return True
        key = id(schema)
        if key in self._owned:
            try:
                checker = self._checkers[key]
            except KeyError:
                checker = self._checkers[key] = self._validators.compile(schema)
        else:
            # A schema made at run time (merged branches) is looked up by content: nothing keeps it alive.
            checker = self._validators.compile(schema)
        return checker is None or bool(checker.is_valid(value))

    def _merge(self, schema: dict[str, Any], combo: str, branch: Any) -> Any:
        """``branch`` of ``schema``'s ``combo`` with the keywords ``schema`` has beside it."""
        key = (id(schema), id(branch))
        cached = self._merged.get(key)
        if cached is not None:
            return cached
        base = {k: v for k, v in schema.items() if k != combo}
        if not base:
            return branch
        merged = {**base, **self.resolve(branch)}
        if key[0] in self._owned and key[1] in self._owned:
            self._merged[key] = merged
            self._owned.add(id(merged))
        return merged

    def properties(self, schema: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Properties and required names of an object schema, ``allOf`` merged in (read-only)."""
        key = id(schema)
        cached = self._props.get(key)
        if cached is not None:
            return cached
        found = self._properties(schema)
        if key in self._owned:
            self._props[key] = found
        return found

    def _properties(self, schema: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        schema = self.resolve(schema)
        props = dict(schema.get("properties") or {})
        required = list(schema.get("required") or [])
        for sub in schema.get("allOf") or []:
            p, r = self.properties(sub)
            props.update(p)
            required.extend(r)
        return props, required

    def kind(self, schema: dict[str, Any]) -> str | None:
        key = id(schema)
        if key in self._kinds:
            return self._kinds[key]
        found = self._kind(schema)
        if key in self._owned:
            self._kinds[key] = found
        return found

    def _kind(self, schema: dict[str, Any]) -> str | None:
        schema = self.resolve(schema)
        kind = schema.get("type")
        if isinstance(kind, list):
            non_null = [k for k in kind if k != "null"]
            return non_null[0] if non_null else "null"
        if kind:
            return str(kind)
        if "properties" in schema or "additionalProperties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        for sub in schema.get("allOf") or []:
            found = self.kind(sub)
            if found:
                return found
        return None

    # -- generation -------------------------------------------------------
    def generate(self, schema: Any, seed: str, name: str = "", depth: int = 0, now: float | None = None) -> Any:
        schema = self.resolve(schema)
        rnd = random.Random(seed)
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return _pick_enum(enum, name)
        example = _example_of(schema)
        if example is not _MISSING and self.valid(schema, example) and not _is_identity(name):
            return example
        for combo in ("oneOf", "anyOf"):
            branches = schema.get(combo)
            if isinstance(branches, list) and branches:
                for i, branch in enumerate(branches):
                    merged = self._merge(schema, combo, branch)
                    value = self.generate(merged, f"{seed}|{i}", name, depth + 1, now)
                    if self.valid(schema, value):
                        return value
                return self.generate(branches[0], seed, name, depth + 1, now)
        kind = self.kind(schema)
        if kind == "object" or (kind is None and schema.get("allOf")):
            return self._object(schema, seed, depth, now)
        if kind == "array":
            return self._array(schema, seed, name, depth, now)
        if kind == "integer":
            return _number(schema, rnd, integer=True, name=name)
        if kind == "number":
            return _number(schema, rnd, integer=False, name=name)
        if kind == "boolean":
            return name.startswith(("is_active", "enabled", "ok", "success", "valid", "active"))
        if kind == "null":
            return None
        if kind is None and not schema:
            return {} if depth == 0 else None if False else "value"
        return _string(schema, rnd, name, seed, now)

    def _object(self, schema: dict[str, Any], seed: str, depth: int, now: float | None) -> dict[str, Any]:
        props, required = self.properties(schema)
        out: dict[str, Any] = {}
        for prop, sub in props.items():
            if depth >= _MAX_DEPTH and prop not in required:
                continue
            out[prop] = self.generate(sub, f"{seed}.{prop}", prop, depth + 1, now)
        min_props = schema.get("minProperties")
        if isinstance(min_props, int) and len(out) < min_props:
            extra = schema.get("additionalProperties")
            for i in range(min_props - len(out)):
                out[f"key{i}"] = self.generate(extra if isinstance(extra, dict) else {"type": "string"}, f"{seed}.k{i}", "", depth + 1, now)
        return out

    def _array(self, schema: dict[str, Any], seed: str, name: str, depth: int, now: float | None) -> list[Any]:
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        lo = int(schema.get("minItems") or 0)
        count = max(lo, 1 if depth < 3 else 0)
        hi = schema.get("maxItems")
        if isinstance(hi, int):
            count = min(count, hi)
        out = [self.generate(items, f"{seed}[{i}]", _singular(name), depth + 1, now) for i in range(count)]
        if schema.get("uniqueItems") and len(out) > 1:
            dedup: list[Any] = []
            for value in out:
                if value not in dedup:
                    dedup.append(value)
            out = dedup
        return out

    def without_write_only(self, schema: Any, value: Any, depth: int = 0) -> Any:
        """``value`` with every property its schema marks ``writeOnly`` (a password) left out."""
        schema = self.resolve(schema)
        if not schema or depth > 12:
            return value
        for combo in ("oneOf", "anyOf"):
            branches = schema.get(combo)
            if isinstance(value, dict) and isinstance(branches, list):
                # A branch may mark its own properties write-only (a card's cvc among payment sources): those
                # go, unless another branch shows a property of that name.
                hidden: set[str] = set()
                shown: set[str] = set()
                for branch in branches:
                    props, _ = self.properties(self.resolve(branch))
                    for key, sub in props.items():
                        flagged = sub.get("writeOnly") is True or self.resolve(sub).get("writeOnly") is True
                        (hidden if flagged else shown).add(key)
                if hidden - shown:
                    value = {k: v for k, v in value.items() if k not in hidden - shown}
        if isinstance(value, dict) and self.kind(schema) == "object":
            props, _ = self.properties(schema)
            out = {}
            for key, item in value.items():
                sub = props.get(key)
                if sub is None:
                    out[key] = item
                elif not (sub.get("writeOnly") is True or self.resolve(sub).get("writeOnly") is True):
                    out[key] = self.without_write_only(sub, item, depth + 1)
            return out
        if isinstance(value, list) and self.kind(schema) == "array":
            items = schema.get("items")
            return [self.without_write_only(items, item, depth + 1) for item in value] if isinstance(items, dict) else value
        return value

    # -- shaping ----------------------------------------------------------
    def shape(self, schema: Any, value: Any, seed: str, name: str = "", depth: int = 0, now: float | None = None) -> Any:
        """``value`` made to fit ``schema``, keeping every part that already fits."""
        schema = self.resolve(schema)
        if not schema:
            return value
        if self.valid(schema, value):
            if depth == 0:
                self.checked = value
            return value
        if depth > 12:
            return value if self.valid(schema, value) else self.generate(schema, seed, name, depth, now)
        for combo in ("oneOf", "anyOf"):
            branches = schema.get(combo)
            if isinstance(branches, list) and branches:
                if self.valid(schema, value):
                    return value
                target = self._merge(schema, combo, self._best_branch(branches, value))
                shaped = self.shape(target, value, seed, name, depth + 1, now)
                if self.valid(schema, shaped):
                    return shaped
                return self.generate(schema, seed, name, depth + 1, now)
        kind = self.kind(schema)
        if kind == "object" and isinstance(value, dict):
            props, required = self.properties(schema)
            out: dict[str, Any] = {}
            for prop, sub in props.items():
                if prop in value and value[prop] is not _MISSING:
                    out[prop] = self.shape(sub, value[prop], f"{seed}.{prop}", prop, depth + 1, now)
                elif prop in required:
                    out[prop] = self.generate(sub, f"{seed}.{prop}", prop, depth + 1, now)
            extra = schema.get("additionalProperties", True)
            if extra is not False:
                for key, item in value.items():
                    if key in props or key.startswith("_"):
                        continue
                    out[key] = self.shape(extra, item, f"{seed}.{key}", key, depth + 1, now) if isinstance(extra, dict) else item
            return out
        if kind == "array" and value is not None and not isinstance(value, (list, dict)):
            items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
            if self.valid(items, value):
                # One value where a list is declared (a request schema took "a string or a list"): the list of it.
                return self.shape(schema, [value], seed, name, depth + 1, now)
        if kind == "array" and isinstance(value, list):
            items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
            out_list = [self.shape(items, v, f"{seed}[{i}]", _singular(name), depth + 1, now) for i, v in enumerate(value)]
            hi = schema.get("maxItems")
            if isinstance(hi, int):
                out_list = out_list[:hi]
            lo = int(schema.get("minItems") or 0)
            while len(out_list) < lo:
                out_list.append(self.generate(items, f"{seed}[{len(out_list)}]", _singular(name), depth + 1, now))
            return out_list
        if kind in ("integer", "number") and isinstance(value, (int, float)) and not isinstance(value, bool):
            if kind == "integer" and isinstance(value, float) and value.is_integer():
                value = int(value)
        if self.valid(schema, value):
            return value
        return self.generate(schema, seed, name, depth, now)

    def _best_branch(self, branches: list[Any], value: Any) -> Any:
        best, best_score = branches[0], -1.0
        for branch in branches:
            if self.valid(branch, value):
                return branch
            resolved = self.resolve(branch)
            if isinstance(value, dict) and self.kind(resolved) == "object":
                props, required = self.properties(resolved)
                score = len(set(value) & set(props)) - 0.1 * len(set(required) - set(value))
            else:
                score = 0.5 if self.kind(resolved) == _json_kind(value) else 0.0
            if score > best_score:
                best, best_score = branch, score
        return best


_MISSING = object()


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _example_of(schema: dict[str, Any]) -> Any:
    if "example" in schema:
        return schema["example"]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if "default" in schema:
        return schema["default"]
    return _MISSING


def _is_identity(name: str) -> bool:
    # Examples are fine for descriptive fields, but two resources must not share an id.
    return name in ("id", "uuid") or name.endswith(("_id", "_uuid"))


def _pick_enum(enum: list[Any], name: str) -> Any:
    values = [v for v in enum if v is not None] or enum
    if name in ("status", "state") or name.endswith(("_status", "_state")):
        for preferred in _PREFERRED_STATUS:
            if preferred in values:
                return preferred
    return values[0]


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _number(schema: dict[str, Any], rnd: random.Random, integer: bool, name: str) -> int | float:
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    ex_lo = schema.get("exclusiveMinimum")
    ex_hi = schema.get("exclusiveMaximum")
    if isinstance(ex_lo, (int, float)) and not isinstance(ex_lo, bool):
        lo = ex_lo + (1 if integer else 0.5) if lo is None or ex_lo >= lo else lo
    if isinstance(ex_hi, (int, float)) and not isinstance(ex_hi, bool):
        hi = ex_hi - (1 if integer else 0.5) if hi is None or ex_hi <= hi else hi
    if name in ("total", "count", "offset") or name.endswith(("_count", "_total")):
        base: float = 0
    elif name in ("page",):
        base = 1
    else:
        base = rnd.randint(1, 100)
    if lo is not None and base < lo:
        base = lo
    if hi is not None and base > hi:
        base = hi
    multiple = schema.get("multipleOf")
    if isinstance(multiple, (int, float)) and multiple > 0:
        base = (base // multiple) * multiple
        if lo is not None and base < lo:
            base += multiple
    if integer:
        return int(base) if float(base).is_integer() else int(base) + 1
    return float(base)


def _string(schema: dict[str, Any], rnd: random.Random, name: str, seed: str, now: float | None) -> str:
    fmt = schema.get("format")
    stamp = dt.datetime.fromtimestamp(now if now is not None else 1_767_225_600, dt.timezone.utc)
    digest = hashlib.sha256(seed.encode()).hexdigest()
    value: str | None = None
    if fmt == "date-time":
        value = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif fmt == "date":
        value = stamp.strftime("%Y-%m-%d")
    elif fmt == "time":
        value = stamp.strftime("%H:%M:%SZ")
    elif fmt == "uuid":
        value = str(uuid.UUID(digest[:32], version=4))
    elif fmt in ("email", "idn-email"):
        value = f"user{digest[:6]}@example.com"
    elif fmt in ("uri", "url", "iri", "uri-reference", "iri-reference"):
        value = f"https://example.com/{digest[:8]}"
    elif fmt == "hostname":
        value = f"host-{digest[:6]}.example.com"
    elif fmt == "ipv4":
        value = f"203.0.113.{int(digest[:2], 16) % 254 + 1}"
    elif fmt == "ipv6":
        value = f"2001:db8::{digest[:4]}"
    elif fmt == "byte":
        value = base64.b64encode(digest[:12].encode()).decode()
    elif fmt == "duration":
        value = "PT1H"
    pattern = schema.get("pattern")
    if value is None and isinstance(pattern, str):
        value = _from_pattern(pattern, schema, rnd)
    if value is None:
        value = _named_string(name, digest)
    lo = int(schema.get("minLength") or 0)
    hi = schema.get("maxLength")
    if len(value) < lo:
        value = value + "x" * (lo - len(value))
    if isinstance(hi, int) and len(value) > hi:
        value = value[: max(hi, lo)]
    return value


def _from_pattern(pattern: str, schema: dict[str, Any], rnd: random.Random) -> str | None:
    gen = rstr.Rstr(rnd)
    lo = int(schema.get("minLength") or 0)
    hi = schema.get("maxLength")
    for _ in range(20):
        try:
            candidate = gen.xeger(pattern)
        except Exception:  # rstr cannot expand every regex; fall back to plain text
            return None
        if len(candidate) >= lo and (not isinstance(hi, int) or len(candidate) <= hi):
            return candidate
    return None


def _named_string(name: str, digest: str) -> str:
    if not name:
        return f"value-{digest[:6]}"
    if name in ("id", "uuid") or name.endswith("_id"):
        return f"{name.removesuffix('_id') or 'id'}_{digest[:16]}"
    if "url" in name or "uri" in name or "link" in name or "endpoint" in name:
        return f"https://example.com/{digest[:8]}"
    if "email" in name:
        return f"user{digest[:6]}@example.com"
    if name.endswith("_at") or "time" in name or "date" in name:
        return "2026-01-01T00:00:00Z"
    if "message" in name or "description" in name:
        return f"{name.replace('_', ' ').capitalize()}"
    if name in ("currency",):
        return "NOK"
    return f"{name}-{digest[:6]}"
