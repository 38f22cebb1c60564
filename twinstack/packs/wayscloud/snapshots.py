"""VPS snapshots: named, at most ten per VPS, ``creating`` for 2 s then ``available``.

A snapshot is known by its VPS and its name, which is sanitised to
``[A-Za-z0-9_]`` (``before-upgrade`` is kept as ``before_upgrade``). It keeps
the disk it was taken of (``vps_lifecycle.capture``), which rollback puts back.
Deleting one removes it at once (``deleting`` is never observable).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from twinstack.engine.state import Collection
from twinstack.errors import Conflict, NotFound, TwinError
from twinstack.packs.wayscloud import vps_lifecycle
from twinstack.packs.wayscloud.vps_catalogue import TEMPLATES

COLLECTION = "vps-snapshots"
"""A tenant's snapshots, keyed ``<vps_id>/<snapshot_name>``, found by ``vps_id``."""
INDEXES: dict[str, tuple[str, ...]] = {COLLECTION: ("vps_id",)}
LIMIT = 10
CREATE_SECONDS = 2.0
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def sanitised(name: str) -> str:
    return _UNSAFE.sub("_", name.strip())


def key(vps_id: str, name: str) -> str:
    return f"{vps_id}/{name}"


def view(snapshot: dict[str, Any], now: float, iso: Callable[[float], str]) -> dict[str, Any]:
    shown = {k: v for k, v in snapshot.items() if not k.startswith("_") and v is not None}
    if float(snapshot["_ready_at"]) <= now:
        shown.update(status="available", completed_at=iso(float(snapshot["_ready_at"])))
    return shown


def is_available(snapshot: dict[str, Any], now: float) -> bool:
    return float(snapshot["_ready_at"]) <= now


def of_vps(snapshots: Collection, vps_id: str) -> list[dict[str, Any]]:
    return snapshots.find({"vps_id": vps_id}, newest_first=True, limit=LIMIT * 2).items


def create(snapshots: Collection, vps: dict[str, Any], body: dict[str, Any], now: float, factor: float,
           iso: str) -> dict[str, Any]:
    name = sanitised(str(body.get("snapshot_name", "")))
    if len(name) < 3:
        raise TwinError("snapshot_name must be at least 3 characters", status=400, field="body.snapshot_name")
    if TEMPLATES[vps["os_template"]].disk_format != "qcow2":
        raise TwinError("Snapshots are not supported for this VPS (disk format raw)", status=400,
                        field="path.vps_id")
    if vps["status"] == "provisioning":
        raise Conflict("VPS is not provisioned yet", field="path.vps_id",
                       details={"detail": "VPS is still provisioning; snapshots need a provisioned VPS"})
    if snapshots.get(key(vps["id"], name)) is not None:
        raise _exists(name)
    if snapshots.count(vps_id=vps["id"]) >= LIMIT:
        raise TwinError(f"Snapshot limit reached ({LIMIT} per VPS)", status=429, field="path.vps_id")
    snapshot: dict[str, Any] = {
        "snapshot_id": str(uuid.uuid4()), "vps_id": vps["id"], "snapshot_name": name,
        "description": body.get("description"), "status": "creating", "created_at": iso,
        "_ready_at": now + CREATE_SECONDS * factor, "_disk": vps_lifecycle.capture(vps, now),
    }
    if not snapshots.insert(key(vps["id"], name), snapshot):
        raise _exists(name)
    return snapshot


def _exists(name: str) -> Conflict:
    return Conflict("Snapshot exists", field="body.snapshot_name",
                    details={"detail": f"Snapshot '{name}' already exists for this VPS"})


def find(snapshots: Collection, vps_id: str, name: str) -> dict[str, Any]:
    snapshot = snapshots.get(key(vps_id, name)) or snapshots.get(key(vps_id, sanitised(name)))
    if snapshot is None:
        raise NotFound("Snapshot not found", details={"detail": "Snapshot not found"})
    return snapshot
