"""Places a resource, or a page of them, where a response schema wants it.

A schema may be the resource itself, wrap it (``{"data": {...}}``,
``{"project": {...}}``), or hold a list in an array property beside totals and
page fields. The placement is chosen by how well the resource's fields overlap
each candidate; the shaper then fills and repairs the rest.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.synth import Synth

_WRAPPERS = ("data", "result", "item", "resource", "object")
_LIST_NAMES = ("data", "items", "results", "records", "entries")
_TOTAL = ("total", "total_count", "totalCount", "count", "total_items", "totalItems")


def _overlap(resource: dict[str, Any], props: dict[str, Any]) -> int:
    return sum(1 for k in resource if k in props)


class Envelope:
    def __init__(self, synth: Synth) -> None:
        self.synth = synth

    def single(self, schema: Any, resource: Any, seed: str, now: float, extra: dict[str, Any] | None = None) -> Any:
        s = self.synth.resolve(schema)
        if not s:
            return resource
        kind = self.synth.kind(s)
        if kind == "array":
            return self.synth.shape(s, [resource] if not isinstance(resource, list) else resource, seed, now=now)
        if kind != "object" or not isinstance(resource, dict):
            return self.synth.shape(s, resource, seed, now=now)
        props, _ = self.synth.properties(s)
        direct = _overlap(resource, props)
        best_name, best_score = None, direct
        for name, sub in props.items():
            sub_s = self.synth.resolve(sub)
            if self.synth.kind(sub_s) != "object":
                continue
            sub_props, _ = self.synth.properties(sub_s)
            if not sub_props:
                if name in _WRAPPERS and direct == 0:
                    best_name, best_score = name, 0
                continue
            score = _overlap(resource, sub_props)
            if score > best_score or (score == best_score and score > 0 and name in _WRAPPERS):
                best_name, best_score = name, score
        candidate: dict[str, Any] = dict(extra or {})
        if best_name is not None and best_name not in resource:
            candidate[best_name] = resource
        else:
            candidate.update(resource)
        return self.synth.shape(s, candidate, seed, now=now)

    def many(self, schema: Any, items: list[Any], seed: str, now: float, page: dict[str, Any], name_hint: str = "") -> Any:
        s = self.synth.resolve(schema)
        if not s:
            return items
        kind = self.synth.kind(s)
        if kind == "array":
            return self.synth.shape(s, items, seed, now=now)
        if kind != "object":
            return self.synth.shape(s, items, seed, now=now)
        props, _ = self.synth.properties(s)
        array_name = self._array_prop(props, items, name_hint)
        if array_name is None:
            for name in _WRAPPERS:
                sub = props.get(name)
                if sub is not None and self.synth.kind(self.synth.resolve(sub)) == "object":
                    inner = self.many(sub, items, seed + "." + name, now, page, name_hint)
                    return self.synth.shape(s, {name: inner, **_page_fields(props, page)}, seed, now=now)
            return self.synth.shape(s, _page_fields(props, page), seed, now=now)
        return self.synth.shape(s, {array_name: items, **_page_fields(props, page)}, seed, now=now)

    def many_like(self, example: Any, items: list[Any], page: dict[str, Any], name_hint: str = "") -> Any:
        """A page where the response declares no schema, only an example: shaped as the example is.

        An object example holding a list gets the items in that list and its page fields from the page
        (``total``, ``page``...); any other example, or none, gets the items as a plain list.
        """
        if isinstance(example, dict):
            arrays = [name for name, value in example.items() if isinstance(value, list)]
            if arrays:
                name = next((n for n in (name_hint, *_LIST_NAMES) if n in arrays), arrays[0])
                return {name: items, **_page_fields(example, page)}
        return items

    def _array_prop(self, props: dict[str, Any], items: list[Any], hint: str) -> str | None:
        arrays = [n for n, sub in props.items() if self.synth.kind(self.synth.resolve(sub)) == "array"]
        if not arrays:
            return None
        if len(arrays) == 1:
            return arrays[0]
        for name in (hint, *_LIST_NAMES):
            if name in arrays:
                return name
        first = items[0] if items and isinstance(items[0], dict) else None
        if first is not None:
            best, score = arrays[0], -1
            for name in arrays:
                sub = self.synth.resolve(props[name])
                item_props, _ = self.synth.properties(sub.get("items") or {})
                overlap = _overlap(first, item_props)
                if overlap > score:
                    best, score = name, overlap
            return best
        return arrays[0]


def _page_fields(props: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _TOTAL:
        if name in props and "total" in page:
            out[name] = page["total"]
    for name, key in (
        ("page", "page"), ("page_size", "size"), ("per_page", "size"), ("pageSize", "size"), ("limit", "size"),
        ("offset", "offset"), ("has_more", "has_more"), ("hasMore", "has_more"), ("next_cursor", "next_cursor"),
        ("nextCursor", "next_cursor"), ("total_pages", "pages"), ("totalPages", "pages"),
    ):
        if name in props and page.get(key) is not None:
            out[name] = page[key]
    return out
