"""The App Platform's simulated runtime: plans, regions, app records and their lifecycle on the twin clock.

Nothing is pulled or run. An app's state is derived on read from its stored
lifecycle record (state and since when, ``engine.lifecycle``): ``creating``
becomes ``stopped`` ("No deployment yet"), ``deploying`` becomes ``running``,
``stopping`` becomes ``stopped``. A running app with scale-to-zero on and
``min_instances: 0`` counts as scaled to zero once ``idle_timeout_minutes``
of twin time have passed since it last started. Deleting moves the record to
a ``deleting`` collection, read as ``deleting`` until its step is over, then 404.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from twinstack.engine.lifecycle import Lifecycle, Step

APPS = "apps/apps"
DELETING = "apps/deleting"
INDEXES: dict[str, tuple[str, ...]] = {APPS: ("short_id", "slug", "name", "plan_id")}

LIFECYCLE = Lifecycle((
    Step("creating", "stopped", 2.0),
    Step("deploying", "running", 40.0),
    Step("stopping", "stopped", 5.0),
    Step("deleting", "deleted", 5.0),
))
"""Realistic durations in seconds (brief: deploy 40 s); ``--speed`` scales them."""
NO_DEPLOYMENT = "No deployment yet"


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    name: str
    cpu_cores: float
    memory_mb: int
    disk_gb: int
    max_instances: int
    max_apps: int
    max_domains: int
    price_monthly: float
    hourly_rate: float

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "description": f"{self.name} plan", "cpu_cores": self.cpu_cores,
                "memory_mb": self.memory_mb, "disk_gb": self.disk_gb, "max_instances": self.max_instances,
                "max_apps_per_customer": self.max_apps, "max_custom_domains": self.max_domains,
                "bandwidth_gb_included": self.disk_gb * 10, "price_monthly": self.price_monthly,
                "hourly_rate": self.hourly_rate, "currency": "NOK", "features": {},
                # What ``cloud app plans`` reads.
                "code": self.id, "plan_code": self.id, "cpu": self.cpu_cores}


@dataclass(frozen=True, slots=True)
class AppRegion:
    code: str
    name: str
    country_code: str
    available: bool

    def view(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "country_code": self.country_code,
                "app_platform_available": self.available, "region": self.code, "label": self.name}


PLANS: dict[str, Plan] = {p.id: p for p in (
    # The SDK's and CLI's default plan.
    Plan("app-basic", "Basic", 0.5, 512, 5, 1, 3, 1, 49.0, 0.08),
    # The document's example plan.
    Plan("app-starter", "Starter", 1.0, 1024, 10, 2, 5, 3, 99.0, 0.15),
    Plan("app-pro", "Pro", 2.0, 4096, 40, 10, 20, 10, 399.0, 0.55),
)}
DEFAULT_PLAN = "app-basic"
REGIONS: dict[str, AppRegion] = {r.code: r for r in (
    AppRegion("no", "Norge", "NO", True),
    AppRegion("se", "Sverige", "SE", False),
)}
_REGION_ALIASES = {"oslo": "no", "no-oslo-1": "no", "eu": "no", "stockholm": "se", "eu-north-1": "se"}
APPS_DOMAIN = "apps.wayscloud.services"

_ALLOWED_REGISTRIES = ("registry.wayscloud.services", "ghcr.io", "docker.io")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(
    rf"(?:(?P<registry>[a-z0-9.-]+\.[a-z]+(?::\d+)?)/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?"
)
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])")
_BASE32 = "0123456789abcdefghjkmnpqrstvwxyz"


def region_code(value: str) -> str | None:
    key = value.strip().lower()
    key = _REGION_ALIASES.get(key, key)
    return key if key in REGIONS else None


def new_app_id() -> str:
    """``app_`` + 25 lowercase base32 characters, as the document's examples."""
    return "app_" + "".join(secrets.choice(_BASE32) for _ in range(25))


def short_id(app_id: str) -> str:
    """The 8 characters of the id the document's example ``short_id`` is (``app_…q7b6t1y0z``)."""
    return app_id[4 + 16: 4 + 24]


def slug_from(name: str) -> str:
    slug = _SLUG_CHARS.sub("-", name.lower()).strip("-")[:63].strip("-")
    return slug if len(slug) >= 3 else (slug + "-app")[:63]


def slug_problem(slug: str) -> str | None:
    if not _SLUG.fullmatch(slug):
        return "String should match pattern '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$'"
    return None


def image_problem(uri: str) -> str | None:
    """Why an image URI is refused, or None: a registry other than the platform's, ghcr.io, Docker Hub."""
    found = _IMAGE.fullmatch(uri)
    if found is None:
        return "Invalid image reference"
    registry = found.group("registry")
    if registry is not None and registry not in _ALLOWED_REGISTRIES:
        return f"Registry {registry} is not supported; use {', '.join(_ALLOWED_REGISTRIES)} or Docker Hub"
    return None


def begin(record: dict[str, Any], state: str, now: float) -> None:
    LIFECYCLE.begin(record, state, now)
    if state in ("deploying", "creating"):
        record.pop("_idle_from", None)


def settle(record: dict[str, Any], now: float, factor: float) -> dict[str, Any]:
    """The record as of ``now``: state stepped on, scale-to-zero and instance counts derived."""
    for _source, target, at in LIFECYCLE.settle(record, now, factor):
        if target == "running":
            record["_idle_from"] = at
            record["status_message"] = None
    scaled = False
    if record["status"] == "running" and record.get("scale_to_zero_enabled") and int(record.get("min_instances", 1)) == 0:
        idle_from = float(record.get("_idle_from") or now)
        scaled = now >= idle_from + 60.0 * int(record.get("idle_timeout_minutes") or 15)
    running = 0 if record["status"] != "running" or scaled else max(int(record.get("min_instances", 1)), 1)
    record["is_scaled_to_zero"] = scaled
    record["running_instances"] = running
    record["instance_count"] = running
    if record["status"] == "stopped" and not record.get("active_image"):
        record["status_message"] = NO_DEPLOYMENT
    return record


def view(record: dict[str, Any]) -> dict[str, Any]:
    """The app as clients see it: the document's fields and the aliases the SDK and CLI read."""
    out = {k: v for k, v in record.items() if not k.startswith("_") and v is not None}
    out["env_vars"] = dict(record.get("env_vars") or {})
    out["plan"] = out["plan_code"] = record["plan_id"]
    if record.get("active_image"):
        out["image_uri"] = record["active_image"]
    return out


def summary(record: dict[str, Any]) -> dict[str, Any]:
    plan = PLANS[str(record["plan_id"])]
    keys = ("id", "name", "slug", "short_id", "region", "plan_id", "plan_name", "status", "default_url",
            "instance_count", "running_instances", "max_instances", "scale_to_zero_enabled", "is_scaled_to_zero",
            "created_at", "last_deployed_at")
    out = {k: record[k] for k in keys if record.get(k) is not None}
    out.update({"domain_count": 0, "plan_max_apps": plan.max_apps, "plan_max_domains": plan.max_domains,
                "plan": record["plan_id"], "plan_code": record["plan_id"]})
    return out


def log_lines(record: dict[str, Any], iso: Any) -> list[dict[str, Any]]:
    """What the container printed in its current run (nothing when it does not run)."""
    if record["status"] != "running" or record.get("is_scaled_to_zero"):
        return []
    started = float(record.get("_idle_from") or 0.0)
    image = str(record.get("active_image") or "")
    lines = (
        f"Starting container from {image}",
        f"Health check configured on {record.get('health_check_path', '/health')}",
        f"Server listening on port {record.get('port', 8080)}",
    )
    return [{"timestamp": iso(started), "message": text, "stream": "stdout"} for text in lines]
