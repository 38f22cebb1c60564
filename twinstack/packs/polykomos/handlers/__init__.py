"""Operation overrides of the polykomos twin, one module per spec tag, keyed by operationId.

Operations not listed here are served by the generic stateful twin.
"""

from __future__ import annotations

from twinstack.engine.pack import Handler
from twinstack.packs.polykomos.handlers import authentication

HANDLERS: dict[str, Handler] = {
    **authentication.HANDLERS,
}

__all__ = ["HANDLERS"]
