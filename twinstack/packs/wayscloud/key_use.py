"""When each API key or PAT was last used (``last_used_at`` of the key list).

The time is kept in the key-value table beside the credential, never on the
credential row: revocation writes that row, and a use racing a revocation in
another worker must not undo it. Each process writes a key's time at most once
a minute, so a busy key costs one small write a minute, not one per request.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.security import Principal
from twinstack.engine.twin import Twin
from twinstack.spec.model import Operation
from twinstack.store import Credential, Store

NAMESPACE = "wayscloud:key-used"
GRANULARITY = 60.0
"""Seconds of twin time within which a second use of a key is not written again."""
_REMEMBERED = 10_000
"""Keys whose last write a process remembers before it forgets them all (a bound, not a limit)."""


def record_use(twin: Twin, principal: Principal | None, op: Operation, path: dict[str, str]) -> None:
    """``Pack.authorize``: note the use of the key that authenticated this request."""
    cred = principal.credential if principal is not None else None
    key_id = cred.data.get("key_id") if cred is not None else None
    if not key_id:
        return
    now = twin.clock.now()
    written: dict[str, float] = twin.memo.setdefault("key-used", {})
    if now - written.get(key_id, float("-inf")) < GRANULARITY:
        return
    if len(written) >= _REMEMBERED:
        written.clear()
    written[key_id] = now
    twin.store.kv_put(NAMESPACE, str(key_id), now)


def last_used(store: Store, cred: Credential) -> float | None:
    key_id = cred.data.get("key_id")
    value: Any = store.kv_get(NAMESPACE, str(key_id)) if key_id else None
    return float(value) if isinstance(value, (int, float)) else None
