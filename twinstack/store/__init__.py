"""State storage: one Protocol, an embedded SQLite and a PostgreSQL implementation."""

from twinstack.store.base import Credential, Job, Store, open_store

__all__ = ["Credential", "Job", "Store", "open_store"]
