"""The benchmark's reference: the two Blue Lobster endpoints written by hand.

What a developer would write without twinstack: one Starlette app, an API-key
check, a ``jsonschema_rs`` validator compiled once from the seed's
``LaunchInstanceRequest``, and SQLite for the instances. Served by uvicorn with
the same settings ``twinstack serve`` uses, so ``bench/load.py --baseline``
measures the cost of the twin's generality on the same machine, not a
difference of server stack.

    python bench/baseline_app.py --port 4160 --db /tmp/baseline.sqlite --api-key KEY
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


def _json(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status, media_type="application/json")


class Baseline:
    """State of the reference app: one SQLite connection, one compiled validator, one key."""

    def __init__(self, db: Path, api_key: str) -> None:
        self.api_key = api_key
        self.db = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS instances (uuid TEXT PRIMARY KEY, created_at TEXT, body TEXT)")
        schema = json.loads(SEED.read_text(encoding="utf-8"))["components"]["schemas"]["LaunchInstanceRequest"]
        self.validator = jsonschema_rs.validator_for(schema)

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
        vm_id = f"vm-{uuid.uuid4().hex[:12]}"
        instance = {"uuid": vm_id, "name": body.get("name") or vm_id, "host_id": "px1", "region": body["region"],
                    "ip_address": "192.0.2.10", "cpu_cores": 4, "memory": 16, "storage": 100, "gpu_count": 0,
                    "gpu_model": None, "power_status": "unknown", "created_at": now, "metadata": body.get("metadata")}
        self.db.execute("INSERT INTO instances VALUES (?, ?, ?)", (vm_id, now, orjson.dumps(instance).decode()))
        task = f"task_{uuid.uuid4().hex[:12]}"
        return _json({"data": {"instance_ids": [vm_id], "task_id": task, "assigned_ip": "192.0.2.10",
                               "status": "PENDING", "timestamp": now}})


def create_app(db: Path, api_key: str) -> Starlette:
    state = Baseline(db, api_key)
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
    args = parser.parse_args()
    uvicorn.run(create_app(args.db, args.api_key), host=args.host, port=args.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
