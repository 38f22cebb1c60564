"""The per-process objects the polykomos twin works with: database servers and the webhook engine.

Built once per process by ``start`` (the pack's ``on_start``) from the server's
settings, and reached from handlers and jobs with ``runtime_of(twin)``:

- one :class:`EngineSlot` per engine Polykomos offers (``postgres``, ``mysql``),
  holding the provisioner of the server named by ``--postgres-admin-url`` /
  ``--mysql-admin-url`` (or none), and a short-lived cache of whether that
  server can be used right now;
- the shared webhook engine, configured with Polykomos' header names and
  integer ids.

Nothing here is state: every fact about a tenant lives in the store. These
objects only know how to reach the outside world, so each process (every
``--workers`` child) builds its own.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from twinstack.drivers.databases import Provisioner
from twinstack.drivers.databases.servers import ENGINES, choose_provisioner, configure_hint
from twinstack.drivers.webhooks import WebhookSettings, Webhooks

AVAILABILITY_TTL = 5.0
"""Wall-clock seconds an engine's availability answer is reused: each check opens an admin connection."""

WEBHOOK_SETTINGS = WebhookSettings(header_prefix="Polykomos", ids="sequence")
"""``Polykomos-Signature`` / ``-Event`` / ``-Delivery-Id`` headers, integer endpoint and delivery ids."""


@dataclass(slots=True)
class EngineSlot:
    """One database engine of the twin: its server (if configured) and whether it answers."""

    engine: str
    """``postgres`` or ``mysql`` (the API's ``db_type``)."""
    option: str
    """The ``twinstack serve`` option that configures it, for messages that tell the user what to do."""
    provisioner: Provisioner | None
    _checked_at: float = -1e9
    _answer: tuple[bool, str] = (False, "")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def availability(self) -> tuple[bool, str]:
        """``(usable, reason)``; the reason names the option to set or the server's own complaint."""
        if self.provisioner is None:
            return False, f"no server is configured (start twinstack serve with {self.option})"
        async with self._lock:
            if time.monotonic() - self._checked_at > AVAILABILITY_TTL:
                self._answer = await asyncio.to_thread(self.provisioner.available)
                self._checked_at = time.monotonic()
            return self._answer

    def forget(self) -> None:
        """Check again on the next question (after a failure that suggests the server went away)."""
        self._checked_at = -1e9


@dataclass(slots=True)
class PolykomosRuntime:
    engines: dict[str, EngineSlot]
    webhooks: Webhooks
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    """Work that outlives the request that started it (a blueprint run past its ``wait``)."""

    def keep(self, task: asyncio.Task[Any]) -> None:
        """Hold a reference until ``task`` ends: the event loop keeps only weak ones."""
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def slot(self, engine: str) -> EngineSlot:
        return self.engines[engine]

    def provisioner(self, engine: str) -> Provisioner:
        """The engine's provisioner; callers have checked that one is configured."""
        found = self.engines[engine].provisioner
        if found is None:
            raise LookupError(f"no {engine} server configured")
        return found


# Keyed by the twin so several apps in one process (tests) each keep their own; the
# entry goes with its twin. Per process only: nothing here is shared state.
_RUNTIMES: weakref.WeakKeyDictionary[Any, PolykomosRuntime] = weakref.WeakKeyDictionary()


def build(twin: Any) -> PolykomosRuntime:
    """The runtime for ``twin``, from its server settings (admin URLs may be absent)."""
    settings = twin.settings
    # The admin URL's server when given, else the twin's private one, else none (the hint says what to do).
    engines: dict[str, EngineSlot] = {
        engine: EngineSlot(engine, configure_hint(settings, engine), choose_provisioner(settings, engine))
        for engine in ENGINES
    }
    hooks = Webhooks(twin.store, twin.clock, twin.scheduler)
    hooks.configure(twin.slug, WEBHOOK_SETTINGS)
    return PolykomosRuntime(engines, hooks)


def install(twin: Any, runtime: PolykomosRuntime) -> None:
    _RUNTIMES[twin] = runtime


def runtime_of(twin: Any) -> PolykomosRuntime:
    """The runtime ``start`` built for this twin."""
    found = _RUNTIMES.get(twin)
    if found is None:
        # A twin built without the pack's start hook (a bare Twin in a unit test): build it now.
        found = build(twin)
        _RUNTIMES[twin] = found
    return found
