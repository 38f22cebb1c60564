"""The twin's own threat network: reporters, abuse reports, each IP's threat score, delisting, the daily quota.

Threat data is global (every tenant sees the same network):

- ``ip_threats`` (shared, keyed by the address): score, reports, categories with counts, first and
  last seen, the IP's country and ASN. A new report re-inserts the row, so the live feed (newest
  first) is the most recently reported IPs.
- ``ip_reports`` (shared, keyed by a report number from a counter) and ``ip_report_dedup`` (shared,
  ``<ip>|<category>``): a second report of one IP and category within an hour is not counted.
- Counters per country and ASN (``wayscloud:ip-countries`` / ``wayscloud:ip-asns``): listed IPs and
  reports per category, so the country and ASN views are read, never computed by scanning.

A report adds severity × confidence × trust points ([guess] severity low 30, medium 60, high 80,
critical 100, which gives the document's example 24.0 for a medium report at full confidence from an
automated reporter, trust 0.4), the score capped at 100. Level [guess]: 0 clean, < 30 low, < 70 medium,
< 90 high, else critical. Reporters are one per tenant (a new registration updates it, keeping its id);
trust by source type (automated 0.4, hybrid 0.6, manual 0.8), 1.0 once its domain is verified by a TXT
``wayscloud-verify=<reporter_id>`` at the domain or ``_wayscloud.<domain>``.

Each tenant may make 1000 IP Intelligence requests per day of the twin clock (UTC); then 429 with
``Retry-After`` until midnight.
"""

from __future__ import annotations

import time
from typing import Any

from twinstack.engine.state import SHARED_TENANT
from twinstack.engine.twin import Twin
from twinstack.errors import TwinError

THREATS = "ip_threats"
REPORTS = "ip_reports"
DEDUP = "ip_report_dedup"
REPORTER = "ip_reporter"
DELISTS = "ip_delist_requests"
COUNTRIES = "wayscloud:ip-countries"
ASNS = "wayscloud:ip-asns"
QUOTA = "wayscloud:ip-quota"
SEQUENCE = ("wayscloud:ip", "report_id")
DAILY_LIMIT = 1000
DEDUP_WINDOW_S = 3600
SEVERITY = {"low": 30.0, "medium": 60.0, "high": 80.0, "critical": 100.0}
TRUST = {"automated": 0.4, "hybrid": 0.6, "manual": 0.8}
VERIFIED_TRUST = 1.0
FLAG_CATEGORIES = {"vpn": ("vpn",), "proxy": ("proxy", "open-proxy", "open_proxy"), "tor": ("tor", "tor-exit"),
                   "botnet": ("botnet", "botnet-c2", "c2")}
OID_ROOT = "2.16.578.1.62"


def level(score: float) -> str:
    if score <= 0:
        return "clean"
    if score < 30:
        return "low"
    if score < 70:
        return "medium"
    if score < 90:
        return "high"
    return "critical"


def take_quota(twin: Twin, tenant: str) -> None:
    """Count one request of ``tenant`` today; 429 past the daily limit."""
    now = twin.clock.now()
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    if twin.store.adjust(QUOTA, f"{tenant}|{day}", {"n": 1}, within={"n": (None, DAILY_LIMIT)}) is None:
        retry = max(1, int(86400 - now % 86400))
        raise TwinError("Daily quota exceeded. Upgrade plan or retry tomorrow.", status=429, code="quota",
                        details={"detail": "Daily quota exceeded. Upgrade plan or retry tomorrow."},
                        headers={"Retry-After": str(retry)})


def threat_of(twin: Twin, ip: str) -> dict[str, Any] | None:
    return twin.collection(SHARED_TENANT, THREATS).get(ip)


def flags_of(threat: dict[str, Any] | None, datacenter: bool) -> dict[str, bool]:
    categories = set((threat or {}).get("categories", {}))
    out = {flag: bool(categories & set(names)) for flag, names in FLAG_CATEGORIES.items()}
    out["datacenter"] = datacenter
    return out


def record_report(twin: Twin, ip: str, category: str, points: float, country: str | None, asn: int | None,
                  stamp: str) -> dict[str, Any]:
    """Add a counted report's points to ``ip``'s threat row (made on its first report); the new row."""
    threats = twin.collection(SHARED_TENANT, THREATS)
    row = threats.get(ip)
    if row is None:
        row = {"ip": ip, "score": 0.0, "total_reports": 0, "categories": {}, "first_seen": stamp}
        if country:
            row["country"] = country
            twin.store.adjust(COUNTRIES, country, {"threats": 1})
        if asn is not None:
            row["asn"] = asn
            twin.store.adjust(ASNS, str(asn), {"threats": 1})
    row["score"] = round(min(100.0, float(row["score"]) + points), 2)
    row["total_reports"] = int(row["total_reports"]) + 1
    row["categories"][category] = int(row["categories"].get(category, 0)) + 1
    row["last_seen"] = stamp
    if row.get("country"):
        twin.store.adjust(COUNTRIES, str(row["country"]), {f"cat:{category}": 1})
    # Re-inserted, not updated in place: the feed reads the most recently reported rows first.
    threats.delete(ip)
    threats.put(ip, row)
    return row


def clear(twin: Twin, ip: str) -> bool:
    """Take ``ip`` off the threat lists (a delisting); whether it was listed."""
    threats = twin.collection(SHARED_TENANT, THREATS)
    row = threats.get(ip)
    if row is None:
        return False
    if row.get("country"):
        twin.store.adjust(COUNTRIES, str(row["country"]), {"threats": -1, **{
            f"cat:{c}": -int(n) for c, n in row["categories"].items()}})
    if row.get("asn") is not None:
        twin.store.adjust(ASNS, str(row["asn"]), {"threats": -1})
    dedup = twin.collection(SHARED_TENANT, DEDUP)
    for category in row["categories"]:
        # A delisted IP reported again is counted again, even within the hour.
        dedup.delete(f"{ip}|{category}")
    threats.delete(ip)
    return True


def top_categories(categories: dict[str, int], limit: int = 5) -> list[str]:
    return [c for c, n in sorted(categories.items(), key=lambda cn: (-cn[1], cn[0])) if n > 0][:limit]


def country_view(twin: Twin, code: str) -> dict[str, Any] | None:
    counted = twin.store.counters(COUNTRIES, code)
    if counted.get("threats", 0) <= 0:
        return None
    categories = {k[4:]: v for k, v in counted.items() if k.startswith("cat:")}
    return {"threats": counted["threats"], "top_categories": top_categories(categories)}


def asn_threats(twin: Twin, asn: int) -> int:
    return twin.store.counters(ASNS, str(asn)).get("threats", 0)


def next_report_id(twin: Twin) -> int:
    return twin.store.kv_increment(*SEQUENCE)


def ip_digits(ip: str) -> str:
    return "".join(ch for ch in ip if ch.isalnum())
