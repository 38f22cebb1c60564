"""Blueprints every tenant sees: Polykomos' own starters, read-only (PATCH/DELETE on them get 403).

They are part of the twin, not of any state: defined here with fixed UUIDs
and dates, so every tenant, every state and every restart agrees on them.
``seed-contacts`` is the document's example slug.
"""

from __future__ import annotations

import uuid
from typing import Any

_NAMESPACE = uuid.UUID("6f0e7c1a-5d1b-4c38-9a52-1c0f3b9e2a10")
_CREATED = "2024-01-15T00:00:00Z"

SEED_CONTACTS_SQL = """-- Contacts with tags: a small CRM starter.
CREATE TABLE IF NOT EXISTS contacts (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE,
    company TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS contacts_company_idx ON contacts (company);
INSERT INTO contacts (name, email, company) VALUES
    ('{{owner_name}}', '{{owner_email}}', 'Polykomos'),
    ('Ada Lovelace', 'ada@example.com', 'Analytical Engines');
"""

AGENT_MEMORY_SQL = """-- Key/value memory for an agent, with a timestamp per entry.
CREATE TABLE IF NOT EXISTS agent_memory (
    id BIGSERIAL PRIMARY KEY,
    agent TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (agent, key)
);
"""


_FIRST_NUMBER = 1_000_000_000
"""Integer ids (the document's ``blueprint_id``) far from the global sequence tenants' blueprints draw from."""


def _blueprint(
    index: int, slug: str, description: str, sql: str, variables: dict[str, Any] | None
) -> dict[str, Any]:
    blueprint_uuid = str(uuid.uuid5(_NAMESPACE, slug))
    return {
        "_id": blueprint_uuid, "_number": _FIRST_NUMBER + index, "_system": True,
        "object": "blueprint", "uuid": blueprint_uuid, "name": slug, "slug": slug, "description": description,
        "content_type": "sql", "version": 1, "size_bytes": len(sql.encode()), "is_system_blueprint": True,
        "variables": variables, "metadata": None, "sql_content": sql, "created_at": _CREATED, "updated_at": _CREATED,
    }


SYSTEM_BLUEPRINTS: tuple[dict[str, Any], ...] = (
    _blueprint(
        0, "seed-contacts", "A contacts table with an index and two rows (PostgreSQL).",
        SEED_CONTACTS_SQL,
        {
            "owner_name": {"default": "Owner", "description": "Name of the first contact"},
            "owner_email": {"default": "owner@example.com", "description": "E-mail of the first contact"},
        },
    ),
    _blueprint(1, "agent-memory", "A key/value memory table for agents (PostgreSQL).",
               AGENT_MEMORY_SQL, None),
)
"""Newest last: lists show them after the tenant's own blueprints."""


def system_blueprint(blueprint_uuid: str) -> dict[str, Any] | None:
    return next((dict(b) for b in SYSTEM_BLUEPRINTS if b["uuid"] == blueprint_uuid.lower()), None)
