"""Where webhook endpoints and their signing secrets are kept in the store.

Endpoints are resources of the collection ``webhooks:endpoints`` under their
service and tenant, so one tenant never sees another's. Secrets live in the
key-value table (namespace ``webhooks:secrets``), apart from the endpoint
documents: every read of an endpoint is then safe to show. The colon keeps
both names out of reach of collections the engine infers from a document.
"""

from __future__ import annotations

import builtins
from urllib.parse import urlsplit

from twinstack.drivers.webhooks.records import Endpoint
from twinstack.errors import FieldIssue, ValidationFailed
from twinstack.store import Store

ENDPOINTS = "webhooks:endpoints"
SECRETS = "webhooks:secrets"


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

    def add(self, service: str, tenant: str, endpoint: Endpoint, secret: str) -> None:
        self.store.kv_put(SECRETS, _secret_key(service, tenant, endpoint.id), secret)
        self.save(service, tenant, endpoint, endpoint.created_at)

    def save(self, service: str, tenant: str, endpoint: Endpoint, now: float) -> None:
        self.store.put(service, tenant, ENDPOINTS, endpoint.id, endpoint.to_dict(), now)

    def get(self, service: str, tenant: str, endpoint_id: str) -> Endpoint | None:
        data = self.store.get(service, tenant, ENDPOINTS, endpoint_id)
        return Endpoint.from_dict(data) if data is not None else None

    def list(self, service: str, tenant: str, *, include_revoked: bool = False) -> builtins.list[Endpoint]:
        """Newest first."""
        found = [Endpoint.from_dict(d) for d in self.store.list(service, tenant, ENDPOINTS, newest_first=True)]
        return found if include_revoked else [e for e in found if e.status != "revoked"]

    def secret(self, service: str, tenant: str, endpoint_id: str) -> str | None:
        value = self.store.kv_get(SECRETS, _secret_key(service, tenant, endpoint_id))
        return str(value) if value is not None else None


def _secret_key(service: str, tenant: str, endpoint_id: str) -> str:
    return f"{service}:{tenant}:{endpoint_id}"
