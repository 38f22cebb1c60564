"""A customer's databases as records, and what each operation shows of them.

A database is stored under its server name (``cust_<customer>_<pg|mdb>_<requested name>``, lower
case, or a timestamped name when none was asked for) in ``databases``; its connection address is
read from the engine's server on every answer, since a private server may have moved port. Every
database made is also listed cloud-wide (``databases/on-servers``), so a reset can drop them all,
and each change is written to ``databases/history``, which outlives the database.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from twinstack.drivers.databases import Provisioner
from twinstack.engine.context import RequestContext
from twinstack.errors import FieldIssue, NotFound, ValidationFailed
from twinstack.packs.wayscloud.databases.servers import ENGINES, SCHEMES
from twinstack.packs.wayscloud.profile import account_profile

DATABASES = "databases"
HISTORY = "databases/history"
FIREWALL = "databases/firewall"
ON_SERVERS = "databases/on-servers"
"""Cloud-wide: ``<db_type>:<db_name>`` -> ``{"username"}`` of every database on a server."""
QUOTA = 10
"""Databases a customer may have (the document's example quota)."""
STORAGE_LIMIT_GB = 50.0
DEFAULT_CONNECTION_LIMIT = 100
TIERS = {"standard": "Shared resources, daily backups", "encrypted": "Encrypted storage at rest, daily backups"}
"""The tiers the SDK offers (``tier`` is kept, it changes nothing a client could observe locally)."""
_SHORT = {"postgresql": "pg", "mariadb": "mdb"}

INDEXES: dict[str, tuple[str, ...]] = {
    DATABASES: ("db_type", "requested_name", "name"),
    FIREWALL: ("db_name",),
}


def customer_short(ctx: RequestContext) -> str:
    return str(account_profile(ctx.twin, ctx.tenant)["customer_id"]).replace("-", "")[:8]


def server_name(ctx: RequestContext, db_type: str, requested: str | None) -> str:
    base = f"cust_{customer_short(ctx)}_{_SHORT[db_type]}_"
    if requested:
        return (base + requested).lower()
    stamp = ctx.clock.iso(ctx.now)[:19].replace("-", "").replace(":", "").replace("T", "")
    return f"{base}{stamp}_{uuid.uuid4().hex[:8]}"


def check_type(db_type: str, location: str = "path") -> str:
    if db_type not in ENGINES:
        raise ValidationFailed([FieldIssue(location, ("db_type",), "Input should be 'postgresql' or 'mariadb'",
                                           "enum", db_type)])
    return db_type


def find(ctx: RequestContext, db_type: str, name: str) -> dict[str, Any]:
    """The customer's database of that engine, by server name or by the name it was asked for."""
    check_type(db_type)
    databases = ctx.collection(DATABASES)
    record = databases.get(name) or databases.find_one(requested_name=name) or databases.find_one(name=name)
    if record is None or record.get("db_type") != db_type:
        raise NotFound("Database not found", field="db_name", details={"detail": "Database not found"})
    return record


def connection_string(db_type: str, record: dict[str, Any], provisioner: Provisioner, password: str | None) -> str:
    auth = record["username"] if password is None else f"{record['username']}:{password}"
    return f"{SCHEMES[db_type]}://{auth}@{provisioner.public_host}:{provisioner.public_port}/{record['db_name']}"


def credentials(record: dict[str, Any], provisioner: Provisioner, with_password: bool) -> dict[str, Any]:
    """``DatabaseCredentials``: the password only where the operation hands it out."""
    out: dict[str, Any] = {
        "host": provisioner.public_host, "port": provisioner.public_port, "database": record["db_name"],
        "username": record["username"],
        "connection_string": connection_string(record["db_type"], record, provisioner, None),
    }
    if with_password:
        out["password"] = record["password"]
        out["connection_string"] = connection_string(record["db_type"], record, provisioner, record["password"])
    return out


def history(ctx: RequestContext, action: str, record: dict[str, Any], **details: Any) -> None:
    entry_id = str(uuid.uuid4())
    ctx.collection(HISTORY).put(entry_id, {
        "id": entry_id, "action": action, "database_name": record["db_name"], "database_type": record["db_type"],
        "timestamp": ctx.clock.iso(ctx.now), "details": details,
    })


def size_mb(size_bytes: int) -> float:
    return round(size_bytes / (1024 * 1024), 4)


_SDK_NAME = re.compile(r"[^a-zA-Z0-9_]")


def requested_from_sdk(name: str) -> str:
    """The SDK's free ``name`` as a ``requested_name`` (what the document allows), the name itself kept."""
    return _SDK_NAME.sub("_", name)[:30] or "db"
