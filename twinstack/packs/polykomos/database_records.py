"""How a database is stored, found and shown.

A database is one document in the store (collection ``databases``, keyed by
its UUID, scoped to its tenant). Public fields are stored as the API shows
them; fields starting with ``_`` are the twin's own (never rendered):

- ``_number``: an integer surrogate key from a global sequence (the document
  leaks integer ids as ``database_instance_id``);
- ``_password``: the login's password, shown on create and single get only;
- ``_job``: the provisioning job while ``provisioning``;
- ``_blueprint``: a blueprint to apply once active (``blueprint_uuid`` on create);
- ``_storage``: the last storage sample (bytes, state ``ok|warning|over``);
- ``_restore``: ``{"status"}`` it had in an imported state, while the server is
  checked for it or it is made again (``state_import.py``).

Passwords: ``db_password`` and the full ``connection_string`` appear on create
and get; lists show ``db_password: null`` and the string with ``***`` in place
of the password, as the document's example does. While a database is
provisioning there is nothing to connect to yet: ``connection_string`` is
empty rather than made up.

Address: ``host`` and ``port`` are shown as the engine's server is reached
now (its provisioner's public address), not as stored at creation: a private
server whose port another program took while the twin was down starts on a
new one, and its databases move with it. The stored address is shown only
when the engine has no server this time.
"""

from __future__ import annotations

import dataclasses
import uuid as uuidlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from twinstack.drivers.databases import ConnectionInfo
from twinstack.engine.context import RequestContext
from twinstack.engine.state import Collection
from twinstack.errors import NotFound
from twinstack.packs.polykomos.runtime import runtime_of

if TYPE_CHECKING:
    from twinstack.engine.twin import Twin

COLLECTION = "databases"
PAGE = 500
"""Databases read at once when the control plane visits them all."""

PUBLIC_FIELDS = (
    "object", "uuid", "name", "status", "region", "plan", "quotas", "db_type", "host", "port", "db_name",
    "db_username", "team_id", "team_name",
)


def stored(ctx: RequestContext) -> Collection:
    """The caller's databases."""
    return ctx.collection(COLLECTION)


def of_tenant(twin: Twin, tenant: str) -> Collection:
    """``tenant``'s databases, for jobs and controls (which have no request)."""
    return twin.collection(tenant, COLLECTION)


def every_database(twin: Twin) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(tenant, record)`` of every database of every tenant, read ``PAGE`` at a time so that memory stays
    bounded however many there are: for the control plane (reset, state import), never a request."""
    for tenant in twin.store.list_tenants():
        databases, after = of_tenant(twin, tenant["id"]), None
        while True:
            found = databases.find(limit=PAGE, after=after)
            for record in found.items:
                yield tenant["id"], record
            if found.cursor is None:
                break
            after = found.cursor


def find(ctx: RequestContext, database_uuid: str) -> dict[str, Any] | None:
    """The tenant's database, or None (another tenant's is None too)."""
    if not _is_uuid(database_uuid):
        return None
    return stored(ctx).get(database_uuid.lower())


def load(ctx: RequestContext, database_uuid: str, field: str = "uuid") -> dict[str, Any]:
    """The tenant's database, or 404 naming ``field``."""
    found = find(ctx, database_uuid)
    if found is None:
        raise NotFound(f"Database {database_uuid} not found", code="not_found", field=field)
    return found


def save(ctx: RequestContext, record: dict[str, Any]) -> None:
    stored(ctx).put(record["uuid"], record)


def connection(record: dict[str, Any]) -> ConnectionInfo | None:
    """How to log in to the database, once it exists on its server."""
    if record.get("status") not in ("active", "paused") or not record.get("_password"):
        return None
    return ConnectionInfo(
        record["db_type"], record["host"], int(record["port"]), record["db_name"], record["db_username"],
        record["_password"],
    )


def address(twin: Twin, record: dict[str, Any]) -> tuple[str, int]:
    """``(host, port)`` where clients reach the database's server now."""
    provisioner = runtime_of(twin).slot(record["db_type"]).provisioner
    if provisioner is None or not provisioner.public_port:
        return str(record["host"]), int(record["port"])
    return provisioner.public_host, provisioner.public_port


def view(twin: Twin, record: dict[str, Any], *, reveal: bool) -> dict[str, Any]:
    """The API's ``Database``; ``reveal`` shows the password (create and single get)."""
    shown = {name: record.get(name) for name in PUBLIC_FIELDS}
    host, port = shown["host"], shown["port"] = address(twin, record)
    stored = connection(record)
    if stored is None:
        shown["db_password"], shown["connection_string"] = None, ""
    else:
        info = dataclasses.replace(stored, host=host, port=port)
        shown["db_password"] = info.password if reveal else None
        shown["connection_string"] = info.uri if reveal else info.masked_uri()
    shown["created_at"], shown["updated_at"] = record["created_at"], record["updated_at"]
    return shown


def event_view(twin: Twin, record: dict[str, Any]) -> dict[str, Any]:
    """What a webhook event carries: the listed form, so no password leaves the twin."""
    return view(twin, record, reveal=False)


def _is_uuid(value: str) -> bool:
    try:
        uuidlib.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True
