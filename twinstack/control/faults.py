"""Faults and latency on demand: armed through ``/_twinstack/faults`` or one request's ``X-Twinstack-Fault``.

A fault names a service and one operation of its document (by operationId or ``METHOD /path``),
optionally a tenant, and does any of: add latency (``latency_ms``: a number, or ``{"min", "max"}`` for a
uniform draw), answer one of the statuses the operation declares (rendered by the service's own error
renderer, with ``Retry-After`` on 429 and 503), or close the connection without an answer (``drop``).
``count`` limits it to the next N matching calls, ``probability`` (0-1) applies it to a share of them;
without either it lasts until cleared. A fault acts once the caller's credential is checked (so a
tenant can be matched) and before the input is read.

Armed faults live in the store (``kv``) so every server process sees them; the meta key
``faults.version`` takes a new value on every arm or clear. The request path consults :func:`board`, which
reads that version at most every :data:`RECHECK_S` seconds: with nothing armed a request pays one
clock read and a comparison. Hits are counted with the store's atomic increment, so ``count`` holds
across processes.

The header form, for one request: ``X-Twinstack-Fault: status=503; latency_ms=200`` (also
``latency_ms=100-300`` for a uniform draw, ``retry_after=5``, and ``drop``).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
import weakref
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from twinstack.errors import TwinError

KV_NAMESPACE = "twinstack.faults"
KV_KEY = "armed"
HITS_NAMESPACE = "twinstack.fault_hits"
VERSION_KEY = "faults.version"
HEADER = "x-twinstack-fault"
RECHECK_S = 0.25
"""How stale another process's view of the armed faults may be."""
MAX_LATENCY_MS = 120_000
MAX_COUNT = 1_000_000
DEFAULT_RETRY_AFTER_S = 1

_CODES = {429: "rate_limited", 503: "service_unavailable", 502: "bad_gateway", 504: "gateway_timeout",
          500: "internal_error"}


class Dropped(Exception):
    """The request is to be answered by closing its connection."""

    def __init__(self, fault_id: str, operation: str) -> None:
        super().__init__(fault_id)
        self.fault_id = fault_id
        self.operation = operation


class FaultRejected(ValueError):
    """An arm request that cannot be honoured; ``field`` names the part at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(slots=True)
class Fault:
    id: str
    service: str
    operation: str
    """The operationId the fault applies to."""
    tenant: str | None = None
    status: int | None = None
    latency_ms: float | dict[str, float] | None = None
    drop: bool = False
    count: int | None = None
    probability: float | None = None
    retry_after: int | None = None
    created_at: str = ""

    def doc(self) -> dict[str, Any]:
        return {
            "id": self.id, "service": self.service, "operation": self.operation, "tenant": self.tenant,
            "status": self.status, "latency_ms": self.latency_ms, "drop": self.drop, "count": self.count,
            "probability": self.probability, "retry_after": self.retry_after, "created_at": self.created_at,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Fault:
        return cls(
            id=str(doc["id"]), service=str(doc["service"]), operation=str(doc["operation"]), tenant=doc.get("tenant"),
            status=doc.get("status"), latency_ms=doc.get("latency_ms"), drop=bool(doc.get("drop")),
            count=doc.get("count"), probability=doc.get("probability"), retry_after=doc.get("retry_after"),
            created_at=str(doc.get("created_at") or ""),
        )


@dataclass(slots=True)
class Board:
    """One process's view of the armed faults, by (service, operationId)."""

    version: str | None = None
    checked_at: float = float("-inf")
    by_operation: dict[tuple[str, str], list[Fault]] = field(default_factory=dict)
    services: frozenset[str] = frozenset()


_boards: weakref.WeakKeyDictionary[Any, Board] = weakref.WeakKeyDictionary()


def board(store: Any) -> Board:
    """The armed faults, re-read from the store only when its version moved (checked every RECHECK_S)."""
    found = _boards.get(store)
    if found is None:
        found = _boards[store] = Board()
    now = time.monotonic()
    if now - found.checked_at >= RECHECK_S:
        found.checked_at = now
        version = store.meta_get(VERSION_KEY)
        if version != found.version:
            _load(store, found, version)
    return found


def _load(store: Any, into: Board, version: str | None) -> None:
    into.version = version
    into.by_operation = {}
    for doc in (store.kv_get(KV_NAMESPACE, KV_KEY) or {}).values():
        fault = Fault.from_doc(doc)
        into.by_operation.setdefault((fault.service, fault.operation), []).append(fault)
    into.services = frozenset(service for service, _ in into.by_operation)


def invalidate(store: Any) -> None:
    """Forget this process's view, so the next request reads the store (after arm, clear, reset, import)."""
    found = _boards.get(store)
    if found is not None:
        found.checked_at = float("-inf")
        found.version = "\0stale"


def _changed(store: Any, armed: dict[str, Any]) -> None:
    store.kv_put(KV_NAMESPACE, KV_KEY, armed)
    # A fresh token, not a counter: a reset drops the meta row, and a counter would start again at a value
    # another process may still hold as current.
    store.meta_set(VERSION_KEY, uuid.uuid4().hex)
    invalidate(store)


# -- the control plane's side --------------------------------------------------------------------

def resolve_operation(twin: Any, name: str) -> Any:
    """The operation named by operationId or ``METHOD /path`` (the path as the document writes it)."""
    ops = twin.spec.by_id()
    if name in ops:
        return ops[name]
    method, _, path = name.strip().partition(" ")
    path = path.strip()
    for op in ops.values():
        if op.method.upper() == method.upper() and op.path == path:
            return op
    return None


def arm(runtime: Any, body: dict[str, Any], now_iso: str) -> dict[str, Any]:
    """Check an arm request against the document and store the fault; raises FaultRejected."""
    service = body.get("service")
    if not isinstance(service, str) or service not in runtime.twins:
        raise FaultRejected(f"service: expected one of {', '.join(runtime.twins)}", "service")
    twin = runtime.twins[service]
    name = body.get("operation")
    op = resolve_operation(twin, name) if isinstance(name, str) else None
    if op is None:
        raise FaultRejected("operation: expected an operationId or 'METHOD /path' of the service's document", "operation")
    tenant = body.get("tenant")
    if tenant is not None and (not isinstance(tenant, str) or runtime.store.get_tenant(tenant) is None):
        raise FaultRejected("tenant: no such tenant", "tenant")
    status = _status(body.get("status"), op, "status")
    latency = _latency(body.get("latency_ms"), "latency_ms")
    drop = body.get("drop", False)
    if not isinstance(drop, bool):
        raise FaultRejected("drop: expected a boolean", "drop")
    count = body.get("count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT):
        raise FaultRejected(f"count: expected an integer from 1 to {MAX_COUNT}", "count")
    probability = body.get("probability")
    if probability is not None and (
        not isinstance(probability, (int, float)) or isinstance(probability, bool) or not 0 <= probability <= 1
    ):
        raise FaultRejected("probability: expected a number from 0 to 1", "probability")
    retry_after = body.get("retry_after")
    if retry_after is not None and (
        not isinstance(retry_after, int) or isinstance(retry_after, bool) or not 0 <= retry_after <= 86_400
    ):
        raise FaultRejected("retry_after: expected whole seconds from 0 to 86400", "retry_after")
    if status is None and latency is None and not drop:
        raise FaultRejected("status: give a status, latency_ms or drop", "status")
    fault = Fault(
        id="flt_" + uuid.uuid4().hex[:16], service=service, operation=op.operation_id, tenant=tenant, status=status,
        latency_ms=latency, drop=drop, count=count, probability=None if probability is None else float(probability),
        retry_after=retry_after, created_at=now_iso,
    )
    with runtime.store.transaction():
        armed = dict(runtime.store.kv_get(KV_NAMESPACE, KV_KEY) or {})
        armed[fault.id] = fault.doc()
        _changed(runtime.store, armed)
    return listed(runtime.store, fault.doc())


def listed(store: Any, doc: dict[str, Any]) -> dict[str, Any]:
    hits = int(store.kv_get(HITS_NAMESPACE, doc["id"]) or 0)
    count = doc.get("count")
    return {**doc, "hits": min(hits, count) if count else hits,
            "remaining": max(count - hits, 0) if count else None}


def list_armed(store: Any) -> list[dict[str, Any]]:
    armed = store.kv_get(KV_NAMESPACE, KV_KEY) or {}
    return [listed(store, doc) for doc in armed.values()]


def clear(store: Any, fault_id: str | None = None) -> int:
    """Clear one fault (or every one); how many were cleared."""
    with store.transaction():
        armed = dict(store.kv_get(KV_NAMESPACE, KV_KEY) or {})
        gone = [fault_id] if fault_id is not None and fault_id in armed else ([] if fault_id else list(armed))
        for fid in gone:
            armed.pop(fid, None)
            store.kv_delete(HITS_NAMESPACE, fid)
        if gone:
            _changed(store, armed)
    return len(gone)


# -- the request path's side ---------------------------------------------------------------------

def _status(value: Any, op: Any, where: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 100 <= value <= 599:
        raise FaultRejected(f"{where}: expected an HTTP status code", where)
    # A ``default`` response is the document's declaration for every status it does not list.
    if value < 400 or not (op.declared(value) or _has_default(op)):
        declared = ", ".join(s for s in op.responses if s[0] in "45" or s.lower() == "default")
        raise FaultRejected(
            f"{where}: {op.operation_id} declares no {value} (its error statuses: {declared or 'none'})", where
        )
    return value


def _has_default(op: Any) -> bool:
    # The compiler keeps response keys upper-cased (``4XX``), so ``default`` is stored as ``DEFAULT``.
    return any(str(key).lower() == "default" for key in op.responses)


def _latency(value: Any, where: str) -> float | dict[str, float] | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_LATENCY_MS:
        return float(value)
    if isinstance(value, dict) and set(value) == {"min", "max"}:
        low, high = value["min"], value["max"]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= MAX_LATENCY_MS
               for v in (low, high)) and low <= high:
            return {"min": float(low), "max": float(high)}
    raise FaultRejected(
        f"{where}: expected milliseconds from 0 to {MAX_LATENCY_MS}, or {{\"min\", \"max\"}} with min <= max", where
    )


def _draw(latency: float | dict[str, float] | None) -> float:
    if latency is None:
        return 0.0
    if isinstance(latency, dict):
        return random.uniform(latency["min"], latency["max"])
    return latency


def from_header(raw: str, op: Any) -> Fault:
    """The one-request fault of an ``X-Twinstack-Fault`` header; raises FaultRejected."""
    parts: dict[str, str] = {}
    for item in raw.replace(",", ";").split(";"):
        key, _, value = item.strip().partition("=")
        if key:
            parts[key.strip().lower()] = value.strip()
    unknown = set(parts) - {"status", "latency_ms", "drop", "retry_after"}
    if unknown:
        raise FaultRejected(f"X-Twinstack-Fault: unknown part {sorted(unknown)[0]!r}", "X-Twinstack-Fault")
    try:
        status = int(parts["status"]) if "status" in parts else None
        latency: Any = None
        if "latency_ms" in parts:
            low, sep, high = parts["latency_ms"].partition("-")
            latency = {"min": float(low), "max": float(high)} if sep else float(low)
        retry_after = int(parts["retry_after"]) if "retry_after" in parts else None
    except ValueError as exc:
        raise FaultRejected(f"X-Twinstack-Fault: {exc}", "X-Twinstack-Fault") from exc
    return Fault(
        id="header", service=op.service, operation=op.operation_id, status=_status(status, op, "X-Twinstack-Fault"),
        latency_ms=_latency(latency, "X-Twinstack-Fault"), drop="drop" in parts, retry_after=retry_after,
    )


def _applies(store: Any, fault: Fault, tenant: str) -> bool:
    if fault.tenant is not None and fault.tenant != tenant:
        return False
    if fault.probability is not None and random.random() >= fault.probability:
        return False
    if fault.count is not None:
        # The increment is atomic in the store: N calls hit, however many processes serve them.
        return int(store.kv_increment(HITS_NAMESPACE, fault.id)) <= fault.count
    store.kv_increment(HITS_NAMESPACE, fault.id)
    return True


async def apply(twin: Any, op: Any, tenant: str, header: str | None, scope: MutableMapping[str, Any]) -> None:
    """Run the fault armed for this call, if any: sleep, then raise its status (TwinError) or Dropped.

    A header naming a status the operation does not declare is not applied; the reason is answered in
    ``X-Twinstack-Fault-Ignored`` (a fault never produces an undeclared status).
    """
    fault: Fault | None = None
    if header is not None:
        try:
            fault = from_header(header, op)
        except FaultRejected as exc:
            scope["twinstack.fault_ignored"] = str(exc)
            return
    else:
        for candidate in board(twin.store).by_operation.get((twin.slug, op.operation_id), ()):
            if _applies(twin.store, candidate, tenant):
                fault = candidate
                break
    if fault is None:
        return
    scope["twinstack.fault"] = fault.id
    delay = _draw(fault.latency_ms)
    if delay > 0:
        await asyncio.sleep(delay / 1000)
    if fault.drop:
        raise Dropped(fault.id, op.operation_id)
    if fault.status is not None:
        headers: dict[str, str] = {}
        if fault.status in (429, 503):
            headers["Retry-After"] = str(DEFAULT_RETRY_AFTER_S if fault.retry_after is None else fault.retry_after)
        raise TwinError(
            f"Fault {fault.id} armed on {op.operation_id}: answering {fault.status}",
            code=_CODES.get(fault.status, "fault_injected"), status=fault.status, headers=headers,
        )


def armed_for(twin: Any) -> bool:
    """Whether any fault is armed for this service (the cheap check before :func:`apply`)."""
    return twin.slug in board(twin.store).services


async def drop_connection(send: Any) -> None:
    """Close the client's connection with no answer (uvicorn's protocol keeps the transport on ``send``)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("fault: connection dropped")
    transport.close()
    # Let the protocol see the connection lost before the app returns, so nothing is written after it.
    for _ in range(3):
        await asyncio.sleep(0)
