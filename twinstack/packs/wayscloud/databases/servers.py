"""The server of each engine, as the shared provisioning driver gives it (admin URL or private server)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from twinstack.drivers.databases import DatabaseDriverError, Provisioner
from twinstack.drivers.databases.servers import choose_provisioner, configure_hint
from twinstack.engine.twin import Twin
from twinstack.errors import TwinError

ENGINES = {"postgresql": "postgres", "mariadb": "mysql"}
"""The API's ``db_type`` -> the driver's engine."""
SCHEMES = {"postgresql": "postgresql", "mariadb": "mysql"}
"""The scheme of a connection string per ``db_type``."""

T = TypeVar("T")


def provisioner(twin: Twin, db_type: str) -> Provisioner:
    """The engine's provisioner, or a 422 naming what to install or configure."""
    memo: dict[str, Provisioner | None] = twin.memo.setdefault("database-provisioners", {})
    if db_type not in memo:
        memo[db_type] = choose_provisioner(twin.settings, ENGINES[db_type])  # type: ignore[arg-type]
    found = memo[db_type]
    if found is None:
        raise unavailable(db_type, configure_hint(twin.settings, ENGINES[db_type]))  # type: ignore[arg-type]
    return found


def unavailable(db_type: str, reason: str) -> TwinError:
    return TwinError(f"{db_type} is not available: {reason}", code="engine_unavailable", status=422,
                     details={"detail": f"Database engine {db_type} is not available: {reason}"})


async def call(twin: Twin, db_type: str, work: Callable[[Provisioner], T]) -> T:
    """Run a blocking driver call in a worker thread; a server's refusal becomes a 422 with its words."""
    found = provisioner(twin, db_type)
    try:
        return await asyncio.to_thread(work, found)
    except DatabaseDriverError as exc:
        raise TwinError(exc.message, code="database_error", status=422,
                        details={"detail": f"The {db_type} server refused the operation: {exc.message}"}) from None
