"""Durable timers: a job is a row due at a twin time; handlers are registered by kind.

Jobs survive restarts because they live in the store. Each process polls for
due jobs; claiming deletes the row inside a transaction, so two workers never
run the same job. ``run_due`` is also called directly by clock advance.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from twinstack.store import Job, Store
from twinstack.time.clock import Clock

log = logging.getLogger("twinstack.jobs")

JobHandler = Callable[[Job], Awaitable[None] | None]


class Scheduler:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.handlers: dict[str, JobHandler] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def register(self, kind: str, handler: JobHandler) -> None:
        self.handlers[kind] = handler

    def schedule(self, kind: str, delay: float, *, service: str, tenant: str, payload: dict[str, Any] | None = None, job_id: str | None = None) -> Job:
        job = Job(job_id or uuid.uuid4().hex, self.clock.now() + max(0.0, delay), kind, service, tenant, payload or {})
        self.store.add_job(job)
        self._wake.set()
        return job

    async def run_due(self, limit: int = 1000) -> int:
        """Run every job due now (in due order); returns how many ran. Bounded by ``limit``."""
        ran = 0
        while ran < limit:
            batch = self.store.claim_due_jobs(self.clock.now(), min(100, limit - ran))
            if not batch:
                break
            for job in batch:
                ran += 1
                handler = self.handlers.get(job.kind)
                if handler is None:
                    log.warning("no handler for job kind %r; dropped", job.kind)
                    continue
                try:
                    result = handler(job)
                    if asyncio.iscoroutine(result):
                        await result
                except Exception:
                    log.exception("job %s (%s) failed", job.id, job.kind)
        return ran

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:
                log.exception("scheduler pass failed")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=0.25)
            except TimeoutError:
                pass
