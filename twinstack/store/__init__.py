"""State storage: one Protocol, an embedded SQLite and a PostgreSQL implementation."""

from twinstack.store._snapshot import SnapshotError, check_snapshot
from twinstack.store.base import Bounds, Credential, Job, Page, Store, TextPage, UndeclaredIndex, Where, open_store

__all__ = [
    "Bounds", "Credential", "Job", "Page", "SnapshotError", "Store", "TextPage", "UndeclaredIndex", "Where", "check_snapshot",
    "open_store",
]
