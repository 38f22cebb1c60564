"""State storage: one Protocol, an embedded SQLite and a PostgreSQL implementation."""

from twinstack.store._snapshot import SnapshotError, check_snapshot
from twinstack.store.base import Credential, Job, Store, open_store

__all__ = ["Credential", "Job", "SnapshotError", "Store", "check_snapshot", "open_store"]
