"""What the polykomos twin does once per process at start (``Pack.on_start``) and before a reset.

At start it builds the process's runtime: database provisioners (the servers
of the admin URLs, else the twin's private ones), and the webhook engine with
Polykomos' settings (which registers the delivery job and declares the webhook
indexes). The pack's own job kinds are in ``Pack.jobs``, registered by the
runtime before the scheduler runs, so jobs pending in the store from before a
restart (provisioning, retries of webhook deliveries, storage samples) resume
on their own.

Neither hook is on a request's path.
"""

from __future__ import annotations

import logging
from typing import Any

from twinstack.drivers.databases import DatabaseDriverError
from twinstack.packs.polykomos.database_records import every_database
from twinstack.packs.polykomos.runtime import build, install, runtime_of

log = logging.getLogger("twinstack.polykomos")


def on_start(twin: Any) -> None:
    install(twin, build(twin))


def on_reset(twin: Any) -> None:
    """Drop every real database the state being wiped owns; none would be reachable after.

    This has to visit every database of every tenant (a page at a time); it
    runs only for ``/_twinstack/reset``.
    """
    for _tenant, record in every_database(twin):
        _drop(twin, record)


def _drop(twin: Any, record: dict[str, Any]) -> None:
    engine, database, username = record.get("db_type"), record.get("db_name"), record.get("db_username")
    provisioner = runtime_of(twin).slot(engine).provisioner if engine else None
    if provisioner is None or not database or not username or record.get("status") == "provisioning":
        return
    try:
        provisioner.drop(database, username)
    except DatabaseDriverError as exc:
        log.warning("reset: dropping database %s failed: %s", database, exc.message)
