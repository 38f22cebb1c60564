"""Polykomos' webhook events: the catalogue endpoints may subscribe to, and how the twin emits them.

``database.provisioned`` and ``database.deleted`` are the document's examples;
the rest are this twin's (listed in the README). An event's body is
``{"id": "evt_...", "type", "created_at", "data": {"object": ...}}``, signed
with ``Polykomos-Signature`` (see the webhook driver's README for the scheme).
Events are emitted after the change they report is committed.
"""

from __future__ import annotations

import logging
from typing import Any

from twinstack.packs.polykomos.runtime import runtime_of

log = logging.getLogger("twinstack.polykomos")

EVENT_TYPES: tuple[str, ...] = (
    "database.provisioned",
    "database.updated",
    "database.deleted",
    "database.storage_warning",
    "database.paused",
    "database.resumed",
    "blueprint_application.completed",
    "blueprint_application.failed",
    "webhook.test",
)
"""Every event the twin sends; an endpoint may also name ``database.*``-style prefixes or ``*``."""


def is_known(pattern: str) -> bool:
    """Whether a subscription pattern can ever match: a known type, a known prefix with ``.*``, or ``*``."""
    if pattern == "*" or pattern in EVENT_TYPES:
        return True
    if pattern.endswith(".*"):
        stem = pattern[:-1]
        return any(event.startswith(stem) for event in EVENT_TYPES)
    return False


def emit(twin: Any, tenant: str, event_type: str, data: dict[str, Any]) -> None:
    """Send ``event_type`` to the tenant's subscribed endpoints; call after committing the change."""
    try:
        runtime_of(twin).webhooks.emit(twin.slug, tenant, event_type, data)
    except Exception:
        # An event that cannot be queued must not undo the change it reports, which is already committed.
        log.exception("could not emit %s for tenant %s", event_type, tenant)
