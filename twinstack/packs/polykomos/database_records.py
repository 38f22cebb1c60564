"""How a database is stored, found and shown.

A database is one document in the store (collection ``databases``, keyed by
its UUID, scoped to its tenant). Public fields are stored as the API shows
them; fields starting with ``_`` are the twin's own (never rendered):

- ``_number``: an integer surrogate key from a global sequence (the document
  leaks integer ids as ``database_instance_id``);
- ``_password``: the login's password, shown on create and single get only;
- ``_job``: the provisioning job while ``provisioning``;
- ``_blueprint``: a blueprint to apply once active (``blueprint_uuid`` on create);
- ``_storage``: the last storage sample (bytes, state ``ok|warning|over``).

Passwords: ``db_password`` and the full ``connection_string`` appear on create
and get; lists show ``db_password: null`` and the string with ``***`` in place
of the password, as the document's example does. While a database is
provisioning there is nothing to connect to yet: ``connection_string`` is
empty rather than made up.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import TYPE_CHECKING, Any

from twinstack.drivers.databases import ConnectionInfo
from twinstack.engine.context import RequestContext
from twinstack.engine.state import Collection
from twinstack.errors import NotFound

if TYPE_CHECKING:
    from twinstack.engine.twin import Twin

COLLECTION = "databases"

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


def view(record: dict[str, Any], *, reveal: bool) -> dict[str, Any]:
    """The API's ``Database``; ``reveal`` shows the password (create and single get)."""
    shown = {name: record.get(name) for name in PUBLIC_FIELDS}
    info = connection(record)
    if info is None:
        shown["db_password"], shown["connection_string"] = None, ""
    elif reveal:
        shown["db_password"], shown["connection_string"] = info.password, info.uri
    else:
        shown["db_password"], shown["connection_string"] = None, info.masked_uri()
    shown["created_at"], shown["updated_at"] = record["created_at"], record["updated_at"]
    return shown


def event_view(record: dict[str, Any]) -> dict[str, Any]:
    """What a webhook event carries: the listed form, so no password leaves the twin."""
    return view(record, reveal=False)


def _is_uuid(value: str) -> bool:
    try:
        uuidlib.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True
