"""Infers, from paths and methods alone, what each operation does to which resource.

The result is plain data (``describe()`` prints it; a test snapshots it):
collections with item routes get create/list/read/replace/update/delete;
``/{id}/verb`` POSTs are actions; ``/{id}/noun`` GETs are views of the parent;
GET+PUT/PATCH without an item route is a singleton; a GET-only collection is a
catalogue served from the document's examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twinstack.spec.model import Operation

KINDS = (
    "create", "list", "read", "replace", "update", "delete", "action",
    "view", "singleton_read", "singleton_write", "singleton_delete", "catalog", "static",
    "token",  # set by the twin, which sees the responses: an operation that hands out a bearer token
)


@dataclass(slots=True)
class Plan:
    kind: str
    collection: str
    """Normalised template of the collection, params as ``{}``."""
    scope_params: tuple[str, ...]
    """Path parameters naming the parent resources (their values scope the collection)."""
    id_param: str | None
    parent: str | None = None
    """Collection of the parent resource, when the path has one."""
    parent_param: str | None = None
    parent_checked: bool = False
    """True when the parent collection is created through the API, so it must exist."""
    ancestor: str | None = None
    ancestor_param: str | None = None
    """The nearest resource above the parent that the API creates, when the parent itself is not created
    through it (a step of an execution): an unknown one is 404 all the same."""


def _is_param(seg: str) -> bool:
    return seg.startswith("{") and seg.endswith("}")


def _norm(segs: list[str]) -> str:
    return "/" + "/".join("{}" if _is_param(s) else s for s in segs)


_VERBISH = re.compile(r"^(start|stop|reboot|restart|cancel|retry|resume|pause|run|apply|discard|rotate|revoke|test|verify|sync|ack|shutdown|power|launch|kill|check|enable|disable|activate|deactivate|regenerate|refresh|reset|upgrade|restore|rollback|invoke|execute|send|accept|decline|join|leave|ready|mark|resend|approve|reject|publish|unpublish|archive|clone|move|copy|assign|release|attach|detach|login|logout|scan|format|lint|commit|pull|checkout|comment|console|upload|complete|transfer|confirm|go|end|consume)")


def infer(operations: list[Operation]) -> dict[str, Plan]:
    paths: dict[str, set[str]] = {}
    for op in operations:
        paths.setdefault(_norm(op.segments), set()).add(op.method)
    creatable = {p for p, methods in paths.items() if "POST" in methods and p + "/{}" in paths}
    plans: dict[str, Plan] = {}
    for op in operations:
        segs = [s for s in op.segments]
        while segs and segs[-1] == "":
            segs.pop()
        norm = _norm(segs)
        params = [s[1:-1] for s in segs if _is_param(s)]
        methods = paths.get(norm, set())
        if segs and _is_param(segs[-1]):
            collection = _norm(segs[:-1])
            id_param = segs[-1][1:-1]
            scope = tuple(params[:-1])
            parent, parent_param = _parent(segs[:-1])
            kind = {"GET": "read", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}.get(op.method, "action")
            plans[op.operation_id] = Plan(kind, collection, scope, id_param, parent, parent_param, parent in creatable if parent else False)
            continue
        has_items = norm + "/{}" in paths
        parent, parent_param = _parent(segs)
        parent_checked = parent in creatable if parent else False
        scope = tuple(params)
        last = segs[-1] if segs else ""
        singleton = not has_items and "GET" in methods and ("PUT" in methods or {"POST", "DELETE"} <= methods)
        if has_items:
            kind = {"GET": "list", "POST": "create"}.get(op.method, "action")
        elif singleton and op.method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            # One document under this path: GET reads it, POST/PUT/PATCH write it, DELETE removes it.
            kind = {"GET": "singleton_read", "DELETE": "singleton_delete"}.get(op.method, "singleton_write")
        elif op.method == "GET":
            if "POST" in methods and not _VERBISH.match(last.lower()):
                kind = "list"
            elif methods & {"PUT", "PATCH"}:
                kind = "singleton_read"
            elif parent is not None:
                kind = "view"
            else:
                kind = "catalog"
        elif op.method in ("PUT", "PATCH") and "GET" in methods:
            kind = "singleton_write"
        elif op.method == "DELETE" and "GET" in methods and not has_items:
            kind = "singleton_delete"
        elif op.method == "POST" and "GET" in methods and not _VERBISH.match(last.lower()):
            kind = "create"
        else:
            kind = "action"
        plans[op.operation_id] = Plan(kind, norm, scope, None, parent, parent_param, parent_checked)
    by_id = {op.operation_id: op for op in operations}
    for op_id, plan in plans.items():
        if plan.parent is not None and not plan.parent_checked:
            plan.ancestor, plan.ancestor_param = _created_ancestor(by_id[op_id].segments, plan.parent, creatable)
    return plans


def _created_ancestor(segs: list[str], parent: str, creatable: set[str]) -> tuple[str | None, str | None]:
    """The nearest collection above ``parent`` that the API creates, with its id parameter's name."""
    depth = len(parent.split("/")) - 1
    for i in range(min(depth, len(segs)) - 1, -1, -1):
        if _is_param(segs[i]) and _norm(segs[:i]) in creatable:
            return _norm(segs[:i]), segs[i][1:-1]
    return None, None


def _parent(segs: list[str]) -> tuple[str | None, str | None]:
    """The collection and id parameter of the nearest resource above ``segs``."""
    for i in range(len(segs) - 1, -1, -1):
        if _is_param(segs[i]):
            return _norm(segs[:i]), segs[i][1:-1]
    return None, None


def describe(plans: dict[str, Plan]) -> list[str]:
    """One line per operation, sorted: the printable, snapshot-testable resource map."""
    lines = []
    for op_id, p in sorted(plans.items()):
        extra = f" parent={p.parent}:{p.parent_param}{'!' if p.parent_checked else ''}" if p.parent else ""
        lines.append(f"{op_id}: {p.kind} {p.collection} id={p.id_param}{extra}")
    return lines
