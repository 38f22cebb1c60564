"""What a state import (``/_twinstack/state/import``) does to the real databases: ``Pack.on_import``.

A snapshot holds the twin's records, not the databases on a server. After an
import, every database the new state shows ``active`` or ``paused`` is looked
up on its engine's server:

- there (an export of this same twin, or a shared server that has it): it is
  left as it is, data and all;
- missing, or its server cannot tell (down, or no server for that engine this
  time): it becomes ``provisioning`` and the ``polykomos.provision`` job makes
  it again, empty, under its stored login and password (``provisioning.py``),
  then ``active``. Until then it has no ``connection_string``, as any database
  being provisioned; with no server for its engine it stays ``provisioning``,
  retried every ``RETRY_SECONDS``, until a server is configured.

Nothing here is on a request's path: it visits every database of the state.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from twinstack.drivers.databases import DatabaseDriverError
from twinstack.packs.polykomos.database_records import connection, every_database, of_tenant
from twinstack.packs.polykomos.provisioning import provision_job_id, schedule_provision
from twinstack.packs.polykomos.runtime import runtime_of

log = logging.getLogger("twinstack.polykomos")


async def on_import(twin: Any) -> None:
    """Restore the imported databases their servers lack (see the module docstring)."""
    runtime = runtime_of(twin)
    for tenant, record in every_database(twin):
        if connection(record) is None:
            continue  # being provisioned (its job came with the state), or never made
        provisioner = runtime.slot(record["db_type"]).provisioner
        try:
            if provisioner is not None and await asyncio.to_thread(provisioner.exists, record["db_name"]):
                continue
        except DatabaseDriverError as exc:
            log.warning("state import: cannot tell whether database %s exists: %s", record["db_name"], exc.message)
        _restore(twin, tenant, record)


def _restore(twin: Any, tenant: str, record: dict[str, Any]) -> None:
    database_uuid = record["uuid"]
    record.update(status="provisioning", _restore={"status": record["status"]}, _job=provision_job_id(database_uuid),
                  updated_at=twin.clock.iso())
    with twin.store.transaction():
        of_tenant(twin, tenant).put(database_uuid, record)
        schedule_provision(twin, tenant, database_uuid, 0)
