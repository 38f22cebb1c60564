"""SMS counts a customer's status, usage and stats read: guarded counters moved as messages move, never a scan.

Per tenant (namespace ``wayscloud.sms:<tenant>``) one counter row per day
(``d:YYYY-MM-DD``) and per month (``m:YYYY-MM``) holds ``sent`` (outbound
messages handed to the carrier, counted when they reach ``SENT``), ``units``
(their parts), ``delivered``, ``failed``, ``received`` (inbound) and
``received_units``, each on the twin day it happened; the row ``status`` holds
how many of the tenant's messages are in each status now. A week is at most
seven day rows, thirty days thirty rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from twinstack.store import Store

FIELDS = ("sent", "units", "delivered", "failed", "received", "received_units")
PRICES = {"NOK": 0.99, "SEK": 0.99, "DKK": 0.79, "EUR": 0.10, "USD": 0.10}
"""Price of one unit per currency (the document's)."""
CURRENCY = "NOK"


def _namespace(tenant: str) -> str:
    return f"wayscloud.sms:{tenant}"


def day_of(at: float) -> date:
    return datetime.fromtimestamp(at, UTC).date()


def count(store: Store, tenant: str, at: float, **deltas: int) -> None:
    """Add ``deltas`` (of ``FIELDS``) to the day and month of ``at``."""
    day = day_of(at)
    store.adjust(_namespace(tenant), f"d:{day.isoformat()}", deltas)
    store.adjust(_namespace(tenant), f"m:{day.isoformat()[:7]}", deltas)


def move_status(store: Store, tenant: str, old: str | None, new: str) -> None:
    deltas = {new: 1}
    if old is not None and old != new:
        deltas[old] = -1
    elif old == new:
        return
    store.adjust(_namespace(tenant), "status", deltas)


def by_status(store: Store, tenant: str) -> dict[str, int]:
    return {k: v for k, v in sorted(store.counters(_namespace(tenant), "status").items()) if v}


def month(store: Store, tenant: str, period: str) -> dict[str, int]:
    return _filled(store.counters(_namespace(tenant), f"m:{period}"))


def days(store: Store, tenant: str, last: date, how_many: int) -> dict[str, int]:
    """The sums of ``how_many`` days ending with ``last``."""
    total = dict.fromkeys(FIELDS, 0)
    for back in range(how_many):
        row = store.counters(_namespace(tenant), f"d:{(last - timedelta(days=back)).isoformat()}")
        for name in FIELDS:
            total[name] += int(row.get(name, 0))
    return total


def _filled(row: dict[str, int]) -> dict[str, int]:
    return {name: int(row.get(name, 0)) for name in FIELDS}


def period_view(sums: dict[str, int]) -> dict[str, Any]:
    """An ``SMSStatsPeriod``: delivery rate is delivered over those that reached an outcome."""
    outcomes = sums["delivered"] + sums["failed"]
    return {"messages_sent": sums["sent"], "messages_received": sums["received"], "units_used": sums["units"],
            "delivery_rate": round(sums["delivered"] / outcomes, 4) if outcomes else 0.0}
