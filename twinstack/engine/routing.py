"""Path matching for one service: a segment trie where literal segments win.

Built once at start from the operations' templates (no per-request spec
walking). ``/instances/templates`` beats ``/instances/{instance_id}`` because
literal children are tried before the template child, with backtracking.
A trailing slash is tolerated in both directions: ``/v1/vps/plans/`` is a
route of its own in WAYSCloud, so the exact form is tried first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from twinstack.spec.model import Operation


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    param_name: str = ""
    methods: dict[str, Operation] = field(default_factory=dict)


@dataclass(slots=True)
class Match:
    operation: Operation | None
    path_params: dict[str, str]
    allowed: list[str]
    """Methods the matched path allows (for 405)."""


_MEMO_SIZE = 4096
"""Matches remembered per router; the memo is emptied when full (ids in paths make the set unbounded)."""


class Router:
    def __init__(self, operations: list[Operation]) -> None:
        self._root = _Node()
        self._memo: dict[tuple[str, str], Match | None] = {}
        for op in operations:
            self._add(op)

    def _add(self, op: Operation) -> None:
        node = self._root
        for seg in op.path.split("/")[1:]:
            if seg.startswith("{") and seg.endswith("}"):
                if node.param is None:
                    node.param = _Node()
                    node.param_name = seg[1:-1]
                node = node.param
            else:
                node = node.literals.setdefault(seg, _Node())
        node.methods.setdefault(op.method, op)

    def match(self, method: str, path: str) -> Match | None:
        # The trie is fixed after start, so a path's match never changes: most requests repeat one.
        key = (method, path)
        hit = self._memo.get(key, _UNSEEN)
        if hit is not _UNSEEN:
            return None if hit is None else Match(hit.operation, dict(hit.path_params), hit.allowed)
        found = self._match(method, path)
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = found
        return None if found is None else Match(found.operation, dict(found.path_params), found.allowed)

    def _match(self, method: str, path: str) -> Match | None:
        segments = path.split("/")[1:] if path.startswith("/") else path.split("/")
        found: list[tuple[_Node, list[tuple[str, str]]]] = []
        self._walk(self._root, segments, 0, [], found)
        if not found and len(segments) > 1 and segments[-1] == "":
            self._walk(self._root, segments[:-1], 0, [], found)
        if not found:
            return None
        # The most literal match decides: a known path with another method is 405, never a sibling template.
        node, values = found[0]
        params = dict(values)
        op = node.methods.get(method) or (node.methods.get("GET") if method == "HEAD" else None)
        if op is not None:
            return Match(op, _decode(values, op), sorted(node.methods))
        return Match(None, params, sorted(node.methods))

    def _walk(
        self, node: _Node, segs: list[str], i: int, params: list[tuple[str, str]],
        out: list[tuple[_Node, list[tuple[str, str]]]],
    ) -> None:
        # Parameters are kept in path order, not by name: two templates may give one name to
        # parameters at different depths (``/flows/{Sid}`` and ``/flows/{FlowSid}/runs/{Sid}``).
        if out:
            return
        if i == len(segs):
            if node.methods:
                out.append((node, list(params)))
            elif "" in node.literals and node.literals[""].methods:
                out.append((node.literals[""], list(params)))
            return
        seg = segs[i]
        child = node.literals.get(seg)
        if child is not None:
            self._walk(child, segs, i + 1, params, out)
        if node.param is not None and seg != "":
            params.append((node.param_name or "", seg))
            self._walk(node.param, segs, i + 1, params, out)
            params.pop()


_UNSEEN = Match(None, {}, [])
"""Memo marker for a path not matched yet."""


def _decode(values: list[tuple[str, str]], op: Operation) -> dict[str, str]:
    # The trie stores the first template's names; the operation may name them differently.
    if not values:
        return {}
    names = op.path_names
    if len(names) == len(values):
        return {n: unquote(v) if "%" in v else v for n, (_, v) in zip(names, values)}
    return {k: unquote(v) for k, v in values}
