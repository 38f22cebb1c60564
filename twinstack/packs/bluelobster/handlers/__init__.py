"""Blue Lobster's operation overrides, one module per spec tag.

Each tag module exports ``HANDLERS`` (operationId -> handler); every other
operation is served by the generic twin. Permission checks are not here but in
``permissions.authorize``, which runs before any handler.
"""

from __future__ import annotations

from twinstack.engine.pack import Handler
from twinstack.packs.bluelobster.handlers import health

HANDLERS: dict[str, Handler] = {**health.HANDLERS}
"""What ``PACK.handlers`` holds."""
