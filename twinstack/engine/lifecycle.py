"""Lifecycles: declared, timed state transitions driven by the twin clock.

A resource records its state and when it entered it (``_lc``); its current
state is derived on read by walking the timed steps with the injected clock,
never by a timer mutating it behind the client's back. Side effects that must
happen at a transition (a webhook, an outbox message) are scheduled as durable
jobs by the pack at the moment it starts the lifecycle.

Durations are given for ``--speed realistic`` and scaled by the clock's factor
(``fast`` one tenth, ``instant`` zero: the next read sees the settled state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_PENDING = ("provisioning", "pending", "creating", "starting", "queued", "initializing", "building", "deploying", "processing")
_SETTLED = ("active", "running", "available", "ready", "completed", "succeeded", "online", "enabled", "healthy", "deployed")


@dataclass(frozen=True, slots=True)
class Step:
    source: str
    target: str
    seconds: float
    """How long ``source`` lasts at realistic speed before becoming ``target``."""


@dataclass(frozen=True, slots=True)
class Lifecycle:
    steps: tuple[Step, ...]
    field: str = "status"
    """The resource field that shows the state."""

    def begin(self, resource: dict[str, Any], state: str, now: float) -> None:
        resource[self.field] = state
        resource["_lc"] = {"state": state, "since": now}

    def settle(self, resource: dict[str, Any], now: float, factor: float) -> list[tuple[str, str, float]]:
        """Bring ``resource`` to its state at ``now``; returns the transitions taken (from, to, at)."""
        record = resource.get("_lc")
        if not isinstance(record, dict):
            return []
        state, since = str(record["state"]), float(record["since"])
        taken: list[tuple[str, str, float]] = []
        for _ in range(len(self.steps) + 1):
            step = next((s for s in self.steps if s.source == state), None)
            if step is None:
                break
            at = since + step.seconds * factor
            if at > now:
                break
            taken.append((state, step.target, at))
            state, since = step.target, at
        if taken:
            resource["_lc"] = {"state": state, "since": since}
            resource[self.field] = state
        return taken

    def due(self, resource: dict[str, Any], factor: float) -> float | None:
        """When the next transition happens, if any."""
        record = resource.get("_lc")
        if not isinstance(record, dict):
            return None
        step = next((s for s in self.steps if s.source == record["state"]), None)
        return None if step is None else float(record["since"]) + step.seconds * factor


def inferred(status_schema: dict[str, Any] | None, seconds: float = 30.0) -> tuple[Lifecycle, str] | None:
    """A generic lifecycle from a status enum that names a pending and a settled state."""
    enum = (status_schema or {}).get("enum")
    if not isinstance(enum, list):
        return None
    pending = next((v for v in _PENDING if v in enum), None)
    settled = next((v for v in _SETTLED if v in enum), None)
    if pending is None or settled is None:
        return None
    return Lifecycle((Step(pending, settled, seconds),)), pending
