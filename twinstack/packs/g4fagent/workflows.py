"""Workflow graphs: checked to be acyclic, run in topological order with the tool runtime.

A graph is ``{nodes: [{id, type?, ...}], edges: [{from, to}]}``. When it names
nodes by ``id`` and edges by ``from``/``to``, the ids must be unique strings,
every edge must join two of them, and the edges must not make a cycle
(400 ``invalid_request`` naming the part at fault) [guess: upstream stores any
object]. A run executes the ``tool`` nodes (``{type: "tool", tool: <tool id or
built-in name>, args: {}}``) in topological order in the project's workspace;
other nodes are passed through. Upstream's run is created already completed,
and so is the twin's: the graph runs inside the request.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from twinstack.packs.g4fagent import tools
from twinstack.packs.g4fagent.errors import invalid_request
from twinstack.packs.g4fagent.workspace import Workspace

MAX_NODES = 500


def check(graph: dict[str, Any]) -> list[str]:
    """The node ids of a valid ``graph`` in topological order (400 naming the fault otherwise)."""
    nodes, edges = graph.get("nodes", []), graph.get("edges", [])
    if not isinstance(nodes, list):
        raise invalid_request("graph.nodes must be an array.", "graph.nodes")
    if not isinstance(edges, list):
        raise invalid_request("graph.edges must be an array.", "graph.edges")
    if len(nodes) > MAX_NODES:
        raise invalid_request(f"graph.nodes holds more than {MAX_NODES} nodes.", "graph.nodes")
    ids: list[str] = []
    for i, node in enumerate(nodes):
        if not isinstance(node, dict) or not isinstance(node.get("id"), str) or not node["id"]:
            raise invalid_request(f"graph.nodes[{i}] must be an object with a string id.", f"graph.nodes[{i}].id")
        if node["id"] in ids:
            raise invalid_request(f"graph.nodes[{i}].id {node['id']!r} is used twice.", f"graph.nodes[{i}].id")
        ids.append(node["id"])
    below: dict[str, list[str]] = {node_id: [] for node_id in ids}
    incoming = dict.fromkeys(ids, 0)
    for i, edge in enumerate(edges):
        if not isinstance(edge, dict) or edge.get("from") not in below or edge.get("to") not in below:
            raise invalid_request(f"graph.edges[{i}] must join two node ids (from, to).", f"graph.edges[{i}]")
        below[edge["from"]].append(edge["to"])
        incoming[edge["to"]] += 1
    ready = deque(node_id for node_id in ids if incoming[node_id] == 0)
    order: list[str] = []
    while ready:
        node_id = ready.popleft()
        order.append(node_id)
        for child in below[node_id]:
            incoming[child] -= 1
            if incoming[child] == 0:
                ready.append(child)
    if len(order) != len(ids):
        raise invalid_request("graph.edges make a cycle; a workflow graph must be acyclic.", "graph.edges")
    return order


async def execute(graph: dict[str, Any], ws: Workspace, own_tools: dict[str, dict[str, Any]],
                  inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """Each node's outcome ``{id, type, ok, result?}``, in the order they ran."""
    nodes = {node["id"]: node for node in graph.get("nodes", []) if isinstance(node, dict) and "id" in node}
    outcomes: list[dict[str, Any]] = []
    for node_id in check(graph):
        node = nodes[node_id]
        kind = str(node.get("type") or "")
        if kind != "tool":
            outcomes.append({"id": node_id, "type": kind, "ok": True})
            continue
        tool_id = str(node.get("tool") or node.get("tool_id") or "")
        given = node.get("args")
        extra = inputs.get(node_id)
        # Inputs keyed by a node's id add to (and are overridden by) the arguments the graph gives it.
        args: dict[str, Any] = {**(extra if isinstance(extra, dict) else {}), **(given if isinstance(given, dict) else {})}
        if tool_id in tools.BUILTINS:
            ok, result = tools.run_builtin(ws, tool_id, args)
        elif tool_id in own_tools:
            ok, result = await tools.run_handler(dict(own_tools[tool_id].get("handler") or {}), args)
        else:
            ok, result = False, {"output": f"Unknown tool: {tool_id}"}
        outcomes.append({"id": node_id, "type": kind, "ok": ok, "result": result})
    return outcomes
