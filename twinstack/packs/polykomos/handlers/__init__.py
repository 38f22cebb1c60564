"""Operation overrides of the polykomos twin, one module per spec tag (Databases
in two, its quotas apart; applications beside each other), keyed by operationId.

Every one of the document's 22 operations has its handler here.
"""

from __future__ import annotations

from twinstack.engine.pack import Handler, merge_handlers
from twinstack.packs.polykomos.handlers import (
    authentication,
    blueprint_applications,
    blueprints,
    database_quotas,
    databases,
    natural_language_queries,
    webhooks,
)

HANDLERS: dict[str, Handler] = merge_handlers(
    authentication.HANDLERS,
    databases.HANDLERS,
    database_quotas.HANDLERS,
    webhooks.HANDLERS,
    blueprints.HANDLERS,
    blueprint_applications.HANDLERS,
    natural_language_queries.HANDLERS,
)

__all__ = ["HANDLERS"]
