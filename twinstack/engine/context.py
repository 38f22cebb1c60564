"""The one documented argument every handler receives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from twinstack.engine.state import SHARED_TENANT, Collection

if TYPE_CHECKING:
    from starlette.datastructures import Headers

    from twinstack.engine.security import Principal
    from twinstack.engine.twin import Twin
    from twinstack.spec.model import Operation
    from twinstack.store import Store
    from twinstack.time.clock import Clock


Body: TypeAlias = "bytes | AsyncIterator[bytes]"
"""A response body: bytes sent at once, or chunks sent as they come (``text/event-stream``)."""


@dataclass(slots=True)
class Reply:
    """An explicit response: status, body and headers (the body is shaped to the document)."""

    body: Any = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    reuse: bool = False
    """The answer depends on nothing but the stored state, the caller, the path, the query and declared
    headers (not the clock, not chance): the same read may get the same bytes until the state changes
    (``engine/read_cache.py``). The renderer withdraws the offer when it had to fill or repair the body."""
    raw: bool = False
    """Send ``body`` (bytes or str) as is, without shaping to the schema."""
    stream: AsyncIterator[bytes] | None = None
    """Chunks sent one by one as the iterator yields them, with no length (Server-Sent Events, chunked
    downloads). The iterator is closed when the client goes away; it must end on its own too (a bounded
    wait), so that nothing streams forever. ``content_type`` defaults to ``text/event-stream``."""


@dataclass(slots=True)
class RequestContext:
    twin: Twin
    """The service runtime: spec, store, clock, scheduler, outbox, synth."""
    operation: Operation
    tenant: str
    """Tenant the caller belongs to (the default tenant on open operations without a credential)."""
    principal: Principal | None
    path: dict[str, Any]
    query: dict[str, Any]
    """Declared query parameters, coerced to their types."""
    headers: Headers
    cookies: dict[str, str]
    body: Any
    raw_body: bytes
    content_type: str
    request_id: str
    raw_query: list[tuple[str, str]] = field(default_factory=list)
    client_host: str = ""
    base_url: str = ""
    """Where this service is mounted, e.g. ``http://127.0.0.1:4010/bluelobster``."""

    @property
    def store(self) -> Store:
        return self.twin.store

    @property
    def clock(self) -> Clock:
        return self.twin.clock

    @property
    def now(self) -> float:
        return self.twin.clock.now()

    @property
    def slug(self) -> str:
        return self.twin.slug

    def collection(self, name: str) -> Collection:
        """The caller's tenant's collection ``name`` of this service."""
        return self.twin.collection(self.tenant, name)

    def shared(self, name: str) -> Collection:
        """Cloud-wide state of this service that every tenant sees (an IP pool, host capacity)."""
        return self.twin.collection(SHARED_TENANT, name)
