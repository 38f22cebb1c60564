"""What the polykomos twin does once per process at start (``Pack.on_start``) and before a reset.

At start it builds the process's runtime: database provisioners from the
server's admin URLs, and the webhook engine with Polykomos' settings (which
registers the delivery job and declares the webhook indexes). The pack's own
job kinds are in ``Pack.jobs``, registered by the runtime before the scheduler
runs, so jobs pending in the store from before a restart (provisioning,
retries of webhook deliveries, storage samples) resume on their own.

Neither hook is on a request's path.
"""

from __future__ import annotations

import logging
from typing import Any

from twinstack.drivers.databases import DatabaseDriverError
from twinstack.packs.polykomos.database_records import of_tenant
from twinstack.packs.polykomos.runtime import build, install, runtime_of

log = logging.getLogger("twinstack.polykomos")

RESET_PAGE = 500
"""Databases read at once while a reset drops them: memory stays bounded however many there are."""


def on_start(twin: Any) -> None:
    install(twin, build(twin))


def on_reset(twin: Any) -> None:
    """Drop every real database the state being wiped owns; none would be reachable after.

    This has to visit every database of every tenant, so it reads them in
    pages of ``RESET_PAGE``; it runs only for ``/_twinstack/reset``.
    """
    for tenant in twin.store.list_tenants():
        databases, after = of_tenant(twin, tenant["id"]), None
        while True:
            found = databases.find(limit=RESET_PAGE, after=after)
            for record in found.items:
                _drop(twin, record)
            if found.cursor is None:
                break
            after = found.cursor


def _drop(twin: Any, record: dict[str, Any]) -> None:
    engine, database, username = record.get("db_type"), record.get("db_name"), record.get("db_username")
    provisioner = runtime_of(twin).slot(engine).provisioner if engine else None
    if provisioner is None or not database or not username or record.get("status") == "provisioning":
        return
    try:
        provisioner.drop(database, username)
    except DatabaseDriverError as exc:
        log.warning("reset: dropping database %s failed: %s", database, exc.message)
