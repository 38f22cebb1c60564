"""The benchmark's reference: the two Blue Lobster endpoints written by hand.

What a developer would write without twinstack: one Starlette app, an API-key
check, a ``jsonschema_rs`` validator compiled once from the seed's
``LaunchInstanceRequest``, and SQLite for the instances. Served by uvicorn with
the same settings ``twinstack serve`` uses, so ``bench/load.py --baseline``
measures the cost of the twin's generality on the same machine, not a
difference of server stack.

Its launch stores one row and names a fixed address. With ``--booking`` it
does by hand the bookkeeping a Blue Lobster launch needs, as a developer
would write it: in one transaction, a guarded UPDATE books the instance type's
cores, memory and storage on the first host of the region with room (409 when
none has), a second takes the region's next address, and the instance and its
``create_instance`` task are inserted; the reply names that address and task.
Set against the twin's launch, it tells the cost of that work apart from the
cost of the twin's generality.

    python bench/baseline_app.py --port 4160 --db /tmp/baseline.sqlite --api-key KEY [--booking]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SEED = Path(__file__).resolve().parents[1] / "twinstack" / "packs" / "bluelobster" / "seed" / "bluelobster.openapi.json"
PREFIX = "/bluelobster/api/v1"
TYPES = {"v1_cpu_small": (2, 8, 100), "v1_cpu_medium": (4, 16, 250)}
"""Cores, memory (GB) and storage (GB) of the CPU instance types (the seed's catalogue)."""
HOSTS = (("wil-cpu-01", "us-east-1", 192, 768, 12288), ("phl-cpu-01", "us-east-dev", 192, 768, 12288))
"""Host, region, cores, memory, storage."""
SCALE = 100_000
"""Inventory multiplier: room for every launch of a benchmark run."""
BOOKING_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS hosts (id TEXT PRIMARY KEY, region TEXT NOT NULL, cores_total INTEGER,
       memory_total INTEGER, storage_total INTEGER, cores INTEGER DEFAULT 0, memory INTEGER DEFAULT 0,
       storage INTEGER DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS hosts_by_region ON hosts (region, id)",
    "CREATE TABLE IF NOT EXISTS regions (region TEXT PRIMARY KEY, next_ip INTEGER NOT NULL, size INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tasks (task_id TEXT PRIMARY KEY, subject TEXT NOT NULL, created_at TEXT, body TEXT)",
    "CREATE INDEX IF NOT EXISTS tasks_by_subject ON tasks (subject)",
]


def _json(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status, media_type="application/json")


class Baseline:
    """State of the reference app: one SQLite connection, one compiled validator, one key."""

    def __init__(self, db: Path, api_key: str, booking: bool = False) -> None:
        self.api_key = api_key
        self.booking = booking
        self.db = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS instances (uuid TEXT PRIMARY KEY, created_at TEXT, body TEXT)")
        schema = json.loads(SEED.read_text(encoding="utf-8"))["components"]["schemas"]["LaunchInstanceRequest"]
        self.validator = jsonschema_rs.validator_for(schema)
        if booking:
            for statement in BOOKING_SCHEMA:
                self.db.execute(statement)
            self.db.executemany("INSERT OR IGNORE INTO hosts (id, region, cores_total, memory_total, storage_total)"
                                " VALUES (?, ?, ?, ?, ?)",
                                [(h, r, c * SCALE, m * SCALE, st * SCALE) for h, r, c, m, st in HOSTS])
            self.db.executemany("INSERT OR IGNORE INTO regions VALUES (?, 0, ?)",
                                [(r, 250 * SCALE) for _, r, *_ in HOSTS])

    def authorized(self, request: Request) -> bool:
        return request.headers.get("x-api-key") == self.api_key

    async def list_instances(self, request: Request) -> Response:
        if not self.authorized(request):
            return _json({"error": "unauthorized", "message": "Invalid or missing API key"}, 401)
        rows = self.db.execute("SELECT body FROM instances ORDER BY created_at DESC").fetchall()
        return Response(b"[" + b",".join(row[0].encode() for row in rows) + b"]", media_type="application/json")

    async def launch_instance(self, request: Request) -> Response:
        if not self.authorized(request):
            return _json({"error": "unauthorized", "message": "Invalid or missing API key"}, 401)
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _json({"detail": [{"loc": ["body"], "msg": "invalid JSON", "type": "json_invalid"}]}, 422)
        errors = [{"loc": ["body", *e.instance_path], "msg": e.message, "type": "value_error"}
                  for e in self.validator.iter_errors(body)]
        if errors:
            return _json({"detail": errors}, 422)
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        if self.booking:
            return self.book(body, now)
        vm_id = f"vm-{uuid.uuid4().hex[:12]}"
        instance = {"uuid": vm_id, "name": body.get("name") or vm_id, "host_id": "px1", "region": body["region"],
                    "ip_address": "192.0.2.10", "cpu_cores": 4, "memory": 16, "storage": 100, "gpu_count": 0,
                    "gpu_model": None, "power_status": "unknown", "created_at": now, "metadata": body.get("metadata")}
        self.db.execute("INSERT INTO instances VALUES (?, ?, ?)", (vm_id, now, orjson.dumps(instance).decode()))
        task = f"task_{uuid.uuid4().hex[:12]}"
        return _json({"data": {"instance_ids": [vm_id], "task_id": task, "assigned_ip": "192.0.2.10",
                               "status": "PENDING", "timestamp": now}})


    def book(self, body: dict[str, Any], now: str) -> Response:
        """The launch with its bookkeeping, in one transaction (see the module's docstring)."""
        need = TYPES.get(body["instance_type"])
        if need is None:
            return _json({"error": "invalid_instance_type", "message": "Unknown instance type"}, 400)
        cores, memory, storage = need
        region = body["region"]
        vm_id, task_id = str(uuid.uuid4()), str(uuid.uuid4())
        self.db.execute("BEGIN IMMEDIATE")
        try:
            host = self.db.execute(
                "UPDATE hosts SET cores=cores+?, memory=memory+?, storage=storage+? WHERE id=(SELECT id FROM hosts"
                " WHERE region=? AND cores+?<=cores_total AND memory+?<=memory_total AND storage+?<=storage_total"
                " ORDER BY id LIMIT 1) RETURNING id",
                (cores, memory, storage, region, cores, memory, storage)).fetchone()
            slot = self.db.execute("UPDATE regions SET next_ip=next_ip+1 WHERE region=? AND next_ip<size"
                                   " RETURNING next_ip", (region,)).fetchone() if host else None
            if slot is None:
                self.db.execute("ROLLBACK")
                return _json({"error": "resource_conflict",
                              "message": "Requested resources not available in specified region"}, 409)
            address = f"198.51.{100 + slot[0] // 250 % 100}.{slot[0] % 250 + 2}"
            instance = {"uuid": vm_id, "name": body.get("name") or vm_id, "host_id": host[0], "region": region,
                        "ip_address": address, "cpu_cores": cores, "memory": memory, "storage": storage,
                        "gpu_count": 0, "gpu_model": None, "power_status": "unknown", "created_at": now,
                        "metadata": body.get("metadata"), "instance_type": body["instance_type"]}
            task = {"task_id": task_id, "operation": "create_instance", "status": "PENDING", "created_at": now,
                    "params": {"vm_uuid": vm_id, "host_id": host[0]}}
            self.db.execute("INSERT INTO instances VALUES (?, ?, ?)", (vm_id, now, orjson.dumps(instance).decode()))
            self.db.execute("INSERT INTO tasks VALUES (?, ?, ?, ?)", (task_id, vm_id, now, orjson.dumps(task).decode()))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return _json({"data": {"instance_ids": [vm_id], "task_id": task_id, "assigned_ip": address,
                               "status": "PENDING", "timestamp": now}})


def create_app(db: Path, api_key: str, booking: bool = False) -> Starlette:
    state = Baseline(db, api_key, booking)
    return Starlette(routes=[
        Route(f"{PREFIX}/instances", state.list_instances, methods=["GET"]),
        Route(f"{PREFIX}/instances/launch-instance", state.launch_instance, methods=["POST"]),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--booking", action="store_true",
                        help="launches book capacity and an address and record their task (see the docstring)")
    args = parser.parse_args()
    uvicorn.run(create_app(args.db, args.api_key, args.booking), host=args.host, port=args.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
