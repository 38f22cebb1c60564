"""Declaration of the bluelobster twin: seed, hosts, error shape, credentials, overrides, jobs."""

from __future__ import annotations

from pathlib import Path

from twinstack.engine.pack import Pack, PackJob
from twinstack.packs.bluelobster import backups, console, instances, ip_pool, schedules, tasks
from twinstack.packs.bluelobster.auth import tenant_credentials
from twinstack.packs.bluelobster.controls import CONTROLS
from twinstack.packs.bluelobster.errors import render_error
from twinstack.packs.bluelobster.handlers import HANDLERS
from twinstack.packs.bluelobster.permissions import authorize
from twinstack.packs.bluelobster.task_runner import run_purge_job, run_settle_job

SEED = Path(__file__).parent / "seed" / "bluelobster.openapi.json"

INDEXES: dict[str, tuple[str, ...]] = {
    instances.COLLECTION: instances.INDEXED,
    instances.GONE: instances.GONE_INDEXED,
    tasks.COLLECTION: tasks.INDEXED,
    tasks.OPEN_COLLECTION: tasks.OPEN_INDEXED,
    backups.COLLECTION: backups.INDEXED,
    ip_pool.COLLECTION: ("instance_id",),
    ip_pool.FREE: ("region",),
}
"""Every field a look-up filters on; the store refuses any other, so no request scans a collection."""

JOBS: dict[str, PackJob] = {
    tasks.SETTLE_JOB: run_settle_job,
    tasks.PURGE_JOB: run_purge_job,
    schedules.JOB: schedules.run_schedule_job,
    console.FORGET_JOB: console.run_forget_job,
}
"""Durable jobs: tasks due to move on, finished tasks past retention, backup schedules, expired tickets."""


PACK = Pack(
    slug="bluelobster",
    seed=SEED,
    # The seed has no `servers`; the vendor's pages give https://api.bluelobster.ai/api/v1.
    hosts=("api.bluelobster.ai",),
    errors=render_error,
    # FastAPI: every schema violation is 422 (declared on every operation that takes input).
    validation_statuses=(422,),
    fallback_validation_status=422,
    credentials=tenant_credentials,
    authorize=authorize,
    handlers=HANDLERS,
    jobs=JOBS,
    indexes=INDEXES,
    controls=CONTROLS,
)
