"""What Polykomos sells: engines, regions, plans and their default quotas, and each tenant's team.

The document names ``postgres`` (the default ``db_type``), ``us-east-1`` and the
plans ``free|launch|grow``; MySQL, the other regions and the plans' quotas are
this twin's choices (see the README). Every region maps to the same local
server of its engine: a region is a label here, not a place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ENGINE_LABELS: dict[str, str] = {"postgres": "PostgreSQL", "mysql": "MySQL"}
"""``db_type`` values and how ``/database_types`` labels them."""

DEFAULT_ENGINE = "postgres"

REGIONS: dict[str, str] = {
    "us-east-1": "US East (N. Virginia)",
    "us-west-2": "US West (Oregon)",
    "eu-central-1": "EU (Frankfurt)",
}
"""Region codes accepted on create; ``us-east-1`` is the document's example and the default."""

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class PlanQuotas:
    storage_hard_limit_gb: float | None
    connection_hard_limit: int | None
    warning_threshold_pct: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "storage_hard_limit_gb": self.storage_hard_limit_gb,
            "connection_hard_limit": self.connection_hard_limit,
            "warning_threshold_pct": self.warning_threshold_pct,
        }


PLANS: dict[str, PlanQuotas] = {
    "free": PlanQuotas(0.5, 5, 80),
    "launch": PlanQuotas(5.0, 25, 80),
    "grow": PlanQuotas(25.0, 100, 80),
}
"""Quotas a new database gets from its plan, unless the request sets them (``null`` lifts one)."""

DEFAULT_PLAN = "free"

TEAMS = "polykomos:teams"
"""Key-value namespace: tenant id -> its primary team ``{"id", "name"}``."""


def primary_team(store: Any, tenant: str, tenant_name: str) -> dict[str, Any]:
    """The tenant's one team, made on first use (the API has no teams operations)."""
    with store.transaction():
        team = store.kv_get(TEAMS, tenant)
        if isinstance(team, dict):
            return team
        number = store.kv_increment("seq:polykomos", "teams")
        team = {"id": number, "name": f"{tenant_name} team"}
        store.kv_put(TEAMS, tenant, team)
        return team
