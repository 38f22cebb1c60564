"""What the polykomos twin does once per process at start (``Pack.on_start``).

It builds the process's runtime (database provisioners from the server's
admin URLs, the webhook engine with Polykomos' settings) and registers every
job kind the pack schedules, before the scheduler runs: jobs pending in the
store from before a restart (provisioning, retries of webhook deliveries,
storage samples) then resume on their own.
"""

from __future__ import annotations

from typing import Any

import logging

from twinstack.drivers.databases import DatabaseDriverError
from twinstack.packs.polykomos import blueprint_applications, provisioning, storage
from twinstack.packs.polykomos.database_records import COLLECTION
from twinstack.packs.polykomos.runtime import build, install, runtime_of

log = logging.getLogger("twinstack.polykomos")


def on_start(twin: Any) -> None:
    install(twin, build(twin))
    provisioning.register_jobs(twin)
    storage.register_jobs(twin)
    blueprint_applications.register_jobs(twin)


def on_reset(twin: Any) -> None:
    """Drop every real database the state being wiped owns; none would be reachable after."""
    store = twin.store
    for tenant in store.list_tenants():
        for record in store.list(twin.slug, tenant["id"], COLLECTION):
            engine, database, username = record.get("db_type"), record.get("db_name"), record.get("db_username")
            provisioner = runtime_of(twin).slot(engine).provisioner if engine else None
            if provisioner is None or not database or not username or record.get("status") == "provisioning":
                continue
            try:
                provisioner.drop(database, username)
            except DatabaseDriverError as exc:
                log.warning("reset: dropping database %s failed: %s", database, exc.message)
