"""ODIN Cortex operation overrides, one module per document tag, keyed by operationId.

Every operation not named here is served by the engine's generic twin.
"""

from __future__ import annotations

from twinstack.engine.pack import Handler, merge_handlers
from twinstack.packs.odin.handlers import api_keys, auth, health, projects

HANDLERS: dict[str, Handler] = merge_handlers(health.HANDLERS, auth.HANDLERS, api_keys.HANDLERS, projects.HANDLERS)
"""operationId -> override."""
