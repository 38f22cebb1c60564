"""Durable timers: a job is a row due at a twin time; handlers are registered by kind.

Jobs survive restarts because they live in the store. Each process polls for
due jobs of the kinds it has handlers for, so servers mounting different
services can share one database. A claimed job is leased, not deleted: it is
removed once its handler returns, and a process killed mid-job leaves it to be
claimed again when the lease runs out. ``run_due`` is also called directly by
``/_twinstack/clock/advance``.
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

_POLL_SECONDS = 0.25
_BATCH = 100


class Scheduler:
    """Schedules jobs into the store and runs the due ones of the registered kinds, in due order."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.handlers: dict[str, JobHandler] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        # One pass at a time per process: the polling loop and a clock advance
        # interleaving at their awaits would run jobs out of due order.
        self._pass = asyncio.Lock()

    def register(self, kind: str, handler: JobHandler) -> None:
        self.handlers[kind] = handler

    def schedule(
        self, kind: str, delay: float, *, service: str, tenant: str, payload: dict[str, Any] | None = None,
        job_id: str | None = None,
    ) -> Job:
        """Run ``kind``'s handler ``delay`` twin-seconds from now; an existing ``job_id`` is rescheduled."""
        job = Job(job_id or uuid.uuid4().hex, self.clock.now() + max(0.0, delay), kind, service, tenant, payload or {})
        self.store.add_job(job)
        self._wake.set()
        return job

    def cancel(self, job_id: str) -> bool:
        """Drop a scheduled job (a revoked endpoint's retries, a cancelled lifecycle)."""
        return self.store.cancel_job(job_id)

    async def run_due(self, limit: int = 1000) -> int:
        """Run every job due now, in due order; how many ran. Bounded by ``limit``."""
        async with self._pass:
            ran = 0
            while ran < limit:
                batch = self.store.claim_due_jobs(self.clock.now(), min(_BATCH, limit - ran), kinds=list(self.handlers))
                if not batch:
                    break
                for job in batch:
                    ran += 1
                    await self._run(job)
            return ran

    async def _run(self, job: Job) -> None:
        try:
            result = self.handlers[job.kind](job)
            if asyncio.iscoroutine(result):
                await result
        except Exception:
            # A failing handler is a bug to log, not a job to retry forever.
            log.exception("job %s (%s) failed", job.id, job.kind)
        self.store.finish_job(job)

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
                await asyncio.wait_for(self._wake.wait(), timeout=_POLL_SECONDS)
            except TimeoutError:
                pass
