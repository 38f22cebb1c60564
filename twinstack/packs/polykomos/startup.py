"""What the polykomos twin does once per process at start (``Pack.on_start``).

It builds the process's runtime (database provisioners from the server's
admin URLs, the webhook engine with Polykomos' settings) and registers every
job kind the pack schedules, before the scheduler runs: jobs pending in the
store from before a restart (provisioning, retries of webhook deliveries,
storage samples) then resume on their own.
"""

from __future__ import annotations

from typing import Any

from twinstack.packs.polykomos import blueprint_applications, provisioning, storage
from twinstack.packs.polykomos.runtime import build, install


def on_start(twin: Any) -> None:
    install(twin, build(twin))
    provisioning.register_jobs(twin)
    storage.register_jobs(twin)
    blueprint_applications.register_jobs(twin)
