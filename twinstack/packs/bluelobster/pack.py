"""Declaration of the bluelobster twin: seed, hosts, error shape, credentials, overrides, jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twinstack.engine.pack import Pack
from twinstack.packs.bluelobster.auth import tenant_credentials
from twinstack.packs.bluelobster.controls import CONTROLS
from twinstack.packs.bluelobster.errors import render_error
from twinstack.packs.bluelobster.handlers import HANDLERS
from twinstack.packs.bluelobster.permissions import authorize
from twinstack.packs.bluelobster.schedules import JOB as SCHEDULE_JOB
from twinstack.packs.bluelobster.schedules import run_schedule_job
from twinstack.packs.bluelobster.task_runner import run_settle_job
from twinstack.packs.bluelobster.tasks import SETTLE_JOB

SEED = Path(__file__).parent / "seed" / "bluelobster.openapi.json"


def on_start(twin: Any) -> None:
    """Bind the durable jobs to this twin: tasks due to move on, and backup schedules due to fire."""
    twin.scheduler.register(SETTLE_JOB, lambda job: run_settle_job(twin, job.tenant, job.payload))
    twin.scheduler.register(SCHEDULE_JOB, lambda job: run_schedule_job(twin, job.tenant, job.payload))


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
    on_start=on_start,
    controls=CONTROLS,
)
