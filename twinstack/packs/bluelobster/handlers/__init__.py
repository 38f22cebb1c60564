"""Blue Lobster's operation overrides, one module per spec tag (the ``INSTANCES`` tag split by area).

Each module exports ``HANDLERS`` (operationId -> handler); together they cover all
41 operations, so none falls back to the generic twin. Permission checks are not
here but in ``permissions.authorize``, which runs before any handler; schema
validation is the engine's, so a handler sees only well-formed input.
"""

from __future__ import annotations

from twinstack.engine.pack import Handler, merge_handlers
from twinstack.packs.bluelobster.handlers import (
    backups, catalogue, firewall, health, instances, ips, monitoring, power, schedules, tasks, teams,
)

HANDLERS: dict[str, Handler] = merge_handlers(
    health.HANDLERS, tasks.HANDLERS, catalogue.HANDLERS, instances.HANDLERS, power.HANDLERS, monitoring.HANDLERS,
    teams.HANDLERS, ips.HANDLERS, backups.HANDLERS, schedules.HANDLERS, firewall.HANDLERS,
)
"""What ``PACK.handlers`` holds (an operationId claimed by two modules fails at import)."""
