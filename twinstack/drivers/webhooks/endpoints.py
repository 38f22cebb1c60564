"""Where webhook endpoints and their signing secrets are kept in the store.

Endpoints are resources of the collection ``webhooks:endpoints`` under their
service and tenant, so one tenant never sees another's. Secrets live in the
key-value table (namespace ``webhooks:secrets``), apart from the endpoint
documents: every read of an endpoint is then safe to show. The colon keeps
both names out of reach of collections the engine infers from a document.

Endpoints are looked up by their ``status`` through an index the store keeps
(``declare`` asks for it when a service is configured), so a list or an
event's fan-out reads the live endpoints only, a page at a time where asked.
"""

from __future__ import annotations

import builtins
from urllib.parse import urlsplit

from twinstack.drivers.webhooks.records import Endpoint
from twinstack.errors import FieldIssue, ValidationFailed
from twinstack.store import Store

ENDPOINTS = "webhooks:endpoints"
SECRETS = "webhooks:secrets"
LIVE = ("active", "disabled")
"""The statuses of endpoints that are still there for the API (a revoked one is gone)."""


def check_url(url: str) -> None:
    """Refuse anything but an absolute http(s) URL, naming the field ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        issue = FieldIssue("body", ("url",), "must be an absolute http:// or https:// URL", "format", url)
        raise ValidationFailed([issue])


def check_events(events: list[str]) -> None:
    """Refuse event patterns that could never match (empty strings, stray wildcards)."""
    for index, pattern in enumerate(events):
        stem = pattern[:-2] if pattern.endswith(".*") else pattern
        if pattern != "*" and (not stem or "*" in stem):
            message = "must be an event type, a prefix ending in .*, or *"
            issue = FieldIssue("body", ("events", index), message, "format", pattern)
            raise ValidationFailed([issue])


class EndpointBook:
    """Reads and writes endpoints; callers group writes in the store's transactions."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def declare(self, service: str) -> None:
        """Have the store index ``service``'s endpoints by status; at start, before the first write."""
        self.store.declare_indexes(service, {ENDPOINTS: ("status",)})

    def add(self, service: str, tenant: str, endpoint: Endpoint, secret: str) -> None:
        self.store.kv_put(SECRETS, _secret_key(service, tenant, endpoint.id), secret)
        self.save(service, tenant, endpoint, endpoint.created_at)

    def save(self, service: str, tenant: str, endpoint: Endpoint, now: float) -> None:
        self.store.put(service, tenant, ENDPOINTS, endpoint.id, endpoint.to_dict(), now)

    def get(self, service: str, tenant: str, endpoint_id: str) -> Endpoint | None:
        data = self.store.get(service, tenant, ENDPOINTS, endpoint_id)
        return Endpoint.from_dict(data) if data is not None else None

    def list(self, service: str, tenant: str, *, include_revoked: bool = False) -> builtins.list[Endpoint]:
        """Newest first: the tenant's live endpoints (revoked ones too if asked)."""
        found = self.store.find(service, tenant, ENDPOINTS, where=_live(include_revoked), newest_first=True)
        return [Endpoint.from_dict(d) for d in found.items]

    def page(
        self, service: str, tenant: str, *, limit: int, starting_after: str | None = None, include_revoked: bool = False,
    ) -> tuple[builtins.list[Endpoint], bool]:
        """Up to ``limit`` endpoints newest first, after the one ``starting_after`` names; whether more follow.

        An id that is not on the list (unknown, another tenant's, revoked) gives
        an empty page; a ``limit`` below one raises ``ValueError``.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        after = None
        if starting_after is not None:
            anchor = self.get(service, tenant, starting_after)
            if anchor is not None and (include_revoked or anchor.status != "revoked"):
                after = self.store.cursor_at(service, tenant, ENDPOINTS, starting_after)
            if after is None:
                return [], False
        found = self.store.find(
            service, tenant, ENDPOINTS, where=_live(include_revoked), newest_first=True, limit=limit, after=after
        )
        return [Endpoint.from_dict(d) for d in found.items], found.cursor is not None

    def secret(self, service: str, tenant: str, endpoint_id: str) -> str | None:
        value = self.store.kv_get(SECRETS, _secret_key(service, tenant, endpoint_id))
        return str(value) if value is not None else None


def _live(include_revoked: bool) -> dict[str, tuple[str, ...]] | None:
    return None if include_revoked else {"status": LIVE}


def _secret_key(service: str, tenant: str, endpoint_id: str) -> str:
    return f"{service}:{tenant}:{endpoint_id}"
