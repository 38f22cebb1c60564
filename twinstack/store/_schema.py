"""The tables both SQL stores create, in the SQL subset SQLite and PostgreSQL share.

Every statement is idempotent (``IF NOT EXISTS``), so any number of processes
may run the whole list at start-up; each store serialises that with its own
lock (a write transaction in SQLite, an advisory lock in PostgreSQL).

``seq`` columns order rows by insertion. The store fills them from the
database (a sequence in PostgreSQL, ``MAX(seq) + 1`` under SQLite's single
writer, kept above any deleted resource's), never from a process's wall
clock, so two processes writing at the same moment can neither collide nor
interleave out of order, and a cursor at a deleted resource still marks a
place no later resource can take.

``jobs.claimed`` is the wall-clock time until which a claimer holds the job,
0 while nobody does; see ``SqlStore.claim_due_jobs``.

Two tables are derived from ``resources``, so a look-up never loads a
collection: ``resource_index`` holds one row per resource and declared field
(its value as text, and the resource's ``seq`` so pages come out in insertion
order), written in the same transaction as the row it describes;
``resource_counts`` the number of resources per collection, kept by a trigger
on ``resources`` (each implementation creates its own), so that writing an
unindexed resource stays one statement. Snapshots leave both out; a reset
empties them and an import rebuilds them.

``indexed_fields`` names the fields whose index rows are complete: declaring
one that is not there indexes the stored resources once, whichever process
does it first. It is neither exported nor reset, since both keep it true.
"""

from __future__ import annotations

TABLES = ("resources", "tenants", "credentials", "kv", "counters", "jobs", "outbox", "journal", "meta")
"""The tables a snapshot carries."""
DERIVED = ("resource_index", "resource_counts")
"""Tables rebuilt from ``resources``: wiped by a reset, never exported."""
BOOKKEEPING = ("indexed_fields",)
"""The store's records about its derived tables: neither exported nor reset."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "resources": ("service", "tenant", "collection", "rid", "seq", "created_at", "updated_at", "data"),
    "tenants": ("id", "name", "created_at", "data"),
    "credentials": (
        "token_hash", "tenant", "service", "kind", "label", "scopes", "schemes", "data", "created_at", "expires_at",
        "revoked_at",
    ),
    "kv": ("namespace", "key", "value"),
    "counters": ("namespace", "key", "field", "value"),
    "jobs": ("id", "due_at", "kind", "service", "tenant", "payload", "claimed"),
    "outbox": ("seq", "id", "service", "tenant", "channel", "recipient", "created_at", "data"),
    "journal": ("seq", "data"),
    "meta": ("key", "value"),
}
"""Each table's columns in declaration order: what export writes and import reads."""

KEYS: dict[str, tuple[str, ...]] = {
    "resources": ("service", "tenant", "collection", "rid"),
    "tenants": ("id",),
    "credentials": ("token_hash",),
    "kv": ("namespace", "key"),
    "counters": ("namespace", "key", "field"),
    "jobs": ("id",),
    "outbox": ("seq",),
    "journal": ("seq",),
    "meta": ("key",),
}
"""Primary keys, which also give exports a stable row order."""

SEQUENCED = ("resources", "outbox", "journal")
"""Tables whose ``seq`` the database assigns."""

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS resources (
        service TEXT NOT NULL, tenant TEXT NOT NULL, collection TEXT NOT NULL, rid TEXT NOT NULL,
        seq BIGINT NOT NULL, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
        data TEXT NOT NULL, PRIMARY KEY (service, tenant, collection, rid))""",
    "CREATE INDEX IF NOT EXISTS resources_by_seq ON resources (service, tenant, collection, seq)",
    "CREATE INDEX IF NOT EXISTS resources_by_rid ON resources (service, collection, rid)",
    # MAX(seq) + 1 must not scan the table.
    "CREATE INDEX IF NOT EXISTS resources_seq ON resources (seq)",
    """CREATE TABLE IF NOT EXISTS tenants (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, data TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS credentials (
        token_hash TEXT PRIMARY KEY, tenant TEXT NOT NULL, service TEXT NOT NULL, kind TEXT NOT NULL,
        label TEXT NOT NULL, scopes TEXT, schemes TEXT, data TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
        expires_at DOUBLE PRECISION, revoked_at DOUBLE PRECISION)""",
    "CREATE INDEX IF NOT EXISTS credentials_by_tenant ON credentials (tenant, service)",
    """CREATE TABLE IF NOT EXISTS kv (
        namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (namespace, key))""",
    """CREATE TABLE IF NOT EXISTS counters (
        namespace TEXT NOT NULL, key TEXT NOT NULL, field TEXT NOT NULL, value BIGINT NOT NULL,
        PRIMARY KEY (namespace, key, field))""",
    """CREATE TABLE IF NOT EXISTS resource_index (
        service TEXT NOT NULL, tenant TEXT NOT NULL, collection TEXT NOT NULL, field TEXT NOT NULL,
        rid TEXT NOT NULL, value TEXT NOT NULL, seq BIGINT NOT NULL,
        PRIMARY KEY (service, tenant, collection, field, rid))""",
    "CREATE INDEX IF NOT EXISTS resource_index_lookup ON resource_index (service, tenant, collection, field, value, seq)",
    """CREATE TABLE IF NOT EXISTS resource_counts (
        service TEXT NOT NULL, tenant TEXT NOT NULL, collection TEXT NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (service, tenant, collection))""",
    """CREATE TABLE IF NOT EXISTS indexed_fields (
        service TEXT NOT NULL, collection TEXT NOT NULL, field TEXT NOT NULL, PRIMARY KEY (service, collection, field))""",
    """CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, due_at DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, service TEXT NOT NULL,
        tenant TEXT NOT NULL, payload TEXT NOT NULL, claimed DOUBLE PRECISION NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS jobs_due ON jobs (claimed, due_at)",
    """CREATE TABLE IF NOT EXISTS outbox (
        seq BIGINT PRIMARY KEY, id TEXT NOT NULL, service TEXT NOT NULL, tenant TEXT NOT NULL,
        channel TEXT NOT NULL, recipient TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS journal (
        seq BIGINT PRIMARY KEY, data TEXT NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
]
