"""The values the webhook engine stores and hands back: endpoints, deliveries, attempts, pages.

They are stored as plain JSON documents in the store's resource table, so
their fields are JSON types; times are twin-clock Unix seconds (packs format
them in their own way). An endpoint's signing secret is not among them: it is
kept apart (see ``endpoints.py``) so that no view of an endpoint can leak it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any, Literal

import orjson

EndpointStatus = Literal["active", "disabled", "revoked"]
DeliveryStatus = Literal["pending", "delivered", "failed"]


def matches(patterns: Sequence[str], event_type: str) -> bool:
    """Whether a subscription list takes ``event_type``: empty or ``*`` takes all, ``db.*`` a prefix."""
    if not patterns:
        return True
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


@dataclass(slots=True)
class Endpoint:
    """A URL subscribed to a service's events for one tenant."""

    id: str
    url: str
    events: list[str]
    """Event types taken (exact, ``prefix.*`` or ``*``); empty takes every event."""
    status: EndpointStatus
    """``disabled`` takes no new events but finishes its retries; ``revoked`` receives nothing more."""
    created_at: float
    headers: dict[str, str] = field(default_factory=dict)
    """Extra request headers sent with each delivery (an API's auth header for the receiver)."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Whatever the pack keeps beside the endpoint (a description, a project id...); the engine never reads it."""
    last_success_at: float | None = None
    last_failure_at: float | None = None
    revoked_at: float | None = None

    def subscribes(self, event_type: str) -> bool:
        return matches(self.events, event_type)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Endpoint:
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


@dataclass(slots=True)
class CreatedEndpoint:
    """What creating an endpoint returns: the endpoint and its secret, which is shown only this once."""

    endpoint: Endpoint
    secret: str


@dataclass(slots=True)
class Attempt:
    """One try at delivering: when, where, and what came back (or why nothing did)."""

    number: int
    at: float
    """Twin time at which the attempt started."""
    url: str
    status_code: int | None
    """The receiver's status, None when no response arrived."""
    error: str | None
    """Why the attempt failed (``HTTP 500``, a timeout, a refused target...), None on success."""
    duration_ms: float
    response_body: str = ""
    """The start of the receiver's reply, cut at the service's ``response_limit``."""
    response_headers: dict[str, str] = field(default_factory=dict)
    request_headers: dict[str, str] = field(default_factory=dict)
    """What was sent, signature included (a receiver's copy of the request, for debugging)."""


@dataclass(slots=True)
class Delivery:
    """One event for one endpoint, and every attempt at it: the delivery log's entry."""

    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    max_attempts: int
    created_at: float
    updated_at: float
    body: str
    """The JSON body exactly as signed and sent, identical on every attempt."""
    test: bool = False
    """A test delivery: one synchronous attempt, never retried."""
    response_code: int | None = None
    """The last attempt's status code."""
    error_message: str | None = None
    """The last attempt's error, or why the delivery stopped (``endpoint revoked``)."""
    next_attempt_at: float | None = None
    """Twin time of the next scheduled attempt while ``pending``."""
    delivered_at: float | None = None
    attempts: list[Attempt] = field(default_factory=list)
    in_flight_until: float | None = None
    """Wall-clock end of an attempt under way; another worker running the same job leaves it alone until then."""

    @property
    def event(self) -> Any:
        """The body, parsed."""
        return orjson.loads(self.body)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Delivery:
        known = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        known["attempts"] = [
            Attempt(**{f.name: a[f.name] for f in dataclasses.fields(Attempt) if f.name in a})
            for a in data.get("attempts", [])
        ]
        return cls(**known)


@dataclass(slots=True)
class DeliveryPage:
    """One page of the delivery log, newest first."""

    items: list[Delivery]
    next_cursor: str | None
    """Pass back as ``cursor`` for the next page; None on the last page."""

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None
