"""Databases: real PostgreSQL and MariaDB databases, their credentials, limits, firewall, snapshots, history.

Every database is made on a real server through the shared provisioning driver (the private
servers of ``twinstack serve``, or the admin URLs given), so its connection string connects;
credentials rotate for real, the connection limit is the server's, restart ends the database's
sessions, sizes and connection counts are measured. Blocking driver calls run in worker threads.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.twin import Twin
from twinstack.errors import Conflict, FieldIssue, NotFound, ValidationFailed
from twinstack.packs.wayscloud.databases import records, servers, snapshots
from twinstack.packs.wayscloud.databases.records import DATABASES, FIREWALL, HISTORY, ON_SERVERS, QUOTA
from twinstack.spec.model import Operation

INDEXES: dict[str, tuple[str, ...]] = {**records.INDEXES, **snapshots.INDEXES}
JOBS = snapshots.JOBS
_ENGINE_NAMES = {"postgresql": "PostgreSQL", "mariadb": "MariaDB"}


# -- create, list, delete ---------------------------------------------------------


async def create_database(ctx: RequestContext) -> Any:
    body: dict[str, Any] = ctx.body
    db_type = records.check_type(str(body["db_type"]), "body")
    requested = body.get("requested_name")
    databases = ctx.collection(DATABASES)
    if requested:
        existing = databases.find_one(requested_name=str(requested).lower())
        if existing is not None:
            if existing["db_type"] != db_type:
                raise Conflict("Database exists with another engine", details={"detail": (
                    f"A database named '{requested}' already exists as {existing['db_type']}")})
            provisioner = servers.provisioner(ctx.twin, db_type)
            return Reply(_created(existing, provisioner, "Database already exists", idempotent=True), status=201)
    if databases.count() >= QUOTA:
        raise Conflict("Database quota exceeded", details={"detail": f"Database quota exceeded ({QUOTA} of {QUOTA})"})
    name = records.server_name(ctx, db_type, str(requested) if requested else None)
    unique = str(uuid.uuid4())
    made = await servers.call(ctx.twin, db_type, lambda p: p.create(
        name, unique_id=unique, connection_limit=records.DEFAULT_CONNECTION_LIMIT))
    record = {
        "db_name": made.database, "db_type": db_type, "username": made.username, "password": made.password,
        "requested_name": str(requested).lower() if requested else None, "name": body.get("name") or made.database,
        "tier": body.get("tier") or "standard", "description": body.get("description"),
        "connection_limit": records.DEFAULT_CONNECTION_LIMIT, "version": made.server_version,
        "created_at": ctx.clock.iso(ctx.now), "status": "active", "_uuid": unique,
    }
    databases.put(made.database, record)
    ctx.shared(ON_SERVERS).put(f"{db_type}:{made.database}", {"username": made.username})
    records.history(ctx, "created", record, version=made.server_version, region="oslo")
    provisioner = servers.provisioner(ctx.twin, db_type)
    return Reply(_created(record, provisioner, "Database created successfully", idempotent=False), status=201)


def _created(record: dict[str, Any], provisioner: Any, message: str, *, idempotent: bool) -> dict[str, Any]:
    shown = records.credentials(record, provisioner, with_password=True)
    return {
        "success": True, "db_type": record["db_type"], "db_name": record["db_name"], "username": record["username"],
        "password": record["password"], "host": shown["host"], "port": shown["port"],
        "connection_string": shown["connection_string"], "message": message, "password_generated": True,
        "idempotent": idempotent,
        # The SDK and CLI read back the names they sent.
        "name": record["name"], "type": record["db_type"], "tier": record["tier"],
    }


async def list_databases_of_type(ctx: RequestContext) -> Any:
    db_type = records.check_type(str(ctx.path.get("db_type", "")))
    # Every database of the engine is the answer (the operation has no paging; a customer has at most QUOTA).
    found = ctx.collection(DATABASES).find({"db_type": db_type}, limit=QUOTA * 2).items
    return {"db_type": db_type, "databases": [d["db_name"] for d in found]}


async def list_all_databases(ctx: RequestContext) -> Any:
    found = ctx.collection(DATABASES).find(limit=QUOTA * 2).items
    return {"databases": [await _summary(ctx.twin, d) for d in found]}


async def _size(twin: Twin, record: dict[str, Any]) -> int:
    name = str(record["db_name"])
    return await servers.call(twin, record["db_type"], lambda p: p.size_bytes(name))


async def _summary(twin: Twin, record: dict[str, Any]) -> dict[str, Any]:
    size = await _size(twin, record)
    return {"name": record["name"], "db_name": record["db_name"], "type": record["db_type"], "tier": record["tier"],
            "status": record["status"], "size_mb": records.size_mb(size), "created_at": record["created_at"]}


async def get_database(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    provisioner = servers.provisioner(ctx.twin, record["db_type"])
    return {**await _info(ctx.twin, record), **records.credentials(record, provisioner, with_password=False),
            **await _summary(ctx.twin, record)}


async def delete_database(ctx: RequestContext) -> Any:
    body: dict[str, Any] = ctx.body
    db_type = records.check_type(str(body["db_type"]), "body")
    try:
        record = records.find(ctx, db_type, str(body["db_name"]))
    except NotFound:
        # This operation declares no 404: the unknown name is a bad body, as its 422 answers.
        raise ValidationFailed([FieldIssue("body", ("db_name",), "Database not found", "value_error",
                                           body["db_name"])]) from None
    return await _delete(ctx, record)


async def delete_database_by_path(ctx: RequestContext) -> Any:
    return await _delete(ctx, records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"])))


async def _delete(ctx: RequestContext, record: dict[str, Any]) -> Any:
    await servers.call(ctx.twin, record["db_type"], lambda p: p.drop(record["db_name"], record["username"]))
    ctx.collection(DATABASES).delete(record["db_name"])
    ctx.shared(ON_SERVERS).delete(f"{record['db_type']}:{record['db_name']}")
    for rule in ctx.collection(FIREWALL).find({"db_name": record["db_name"]}, limit=1000).items:
        ctx.collection(FIREWALL).delete(rule["rule_id"])
    for snapshot in snapshots.of_database(ctx.twin, ctx.tenant, record["db_name"]):
        snapshots.forget(ctx.twin, ctx.tenant, snapshot["snapshot_id"])
    ctx.twin.scheduler.cancel(snapshots.job_id(ctx.tenant, record["db_name"]))
    records.history(ctx, "deleted", record)
    return {"success": True, "message": f"Database '{record['db_name']}' deleted successfully"}


# -- credentials, limits, measurements -----------------------------------------------


async def get_credentials(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    return records.credentials(record, servers.provisioner(ctx.twin, record["db_type"]), with_password=False)


async def rotate_credentials(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    password = await servers.call(ctx.twin, record["db_type"], lambda p: p.rotate_password(record["username"]))
    record["password"] = password
    ctx.collection(DATABASES).put(record["db_name"], record)
    records.history(ctx, "modified", record, change="credentials_rotated")
    shown = records.credentials(record, servers.provisioner(ctx.twin, record["db_type"]), with_password=True)
    return {"success": True, "db_name": record["db_name"], "username": record["username"], "password": password,
            "host": shown["host"], "port": shown["port"], "connection_string": shown["connection_string"],
            "created_at": ctx.clock.iso(ctx.now)}


async def scale_database(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    body: dict[str, Any] = ctx.body or {}
    changed: dict[str, Any] = {}
    limit = body.get("connection_limit")
    if limit is not None:
        await servers.call(ctx.twin, record["db_type"],
                           lambda p: p.set_connection_limit(record["db_name"], record["username"], int(limit)))
        record["connection_limit"] = changed["connection_limit"] = int(limit)
    if "description" in body:
        record["description"] = changed["description"] = body["description"]
    ctx.collection(DATABASES).put(record["db_name"], record)
    records.history(ctx, "modified", record, **changed)
    return {"success": True, "message": f"Database '{record['db_name']}' updated"}


async def restart_connections(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    ended = await servers.call(ctx.twin, record["db_type"], lambda p: p.terminate_sessions(record["db_name"]))
    return {"success": True, "message": f"Database '{record['db_name']}' restarted: {ended} connection(s) terminated"}


async def _info(twin: Twin, record: dict[str, Any]) -> dict[str, Any]:
    size = await servers.call(twin, record["db_type"], lambda p: p.size_bytes(record["db_name"]))
    sessions = await servers.call(twin, record["db_type"], lambda p: p.session_count(record["db_name"]))
    return {"db_name": record["db_name"], "db_type": record["db_type"], "size_mb": records.size_mb(size),
            "connection_count": sessions, "connection_limit": record["connection_limit"],
            "created_at": record["created_at"], "owner": record["username"]}


async def get_info(ctx: RequestContext) -> Any:
    return await _info(ctx.twin, records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"])))


async def get_metrics(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    info = await _info(ctx.twin, record)
    kept = snapshots.of_database(ctx.twin, ctx.tenant, record["db_name"])
    return {
        "database_id": record["_uuid"], "storage_gb": round(info["size_mb"] / 1024, 4),
        "backup_gb": round(sum(float(s["size_mb"]) for s in kept) / 1024, 4),
        "active_connections": info["connection_count"], "max_connections": record["connection_limit"],
        "measured_at": ctx.clock.iso(ctx.now),
    }


# -- firewall ----------------------------------------------------------------------


async def add_firewall_rule(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    address = str(ctx.body["ip_address"]).strip()
    try:
        network = ipaddress.ip_network(address, strict=False)
    except ValueError:
        raise ValidationFailed([FieldIssue("body", ("ip_address",), "Input should be an IP address or CIDR block",
                                           "value_error", address)]) from None
    rule_id = f"fw-{uuid.uuid4()}"
    rule = {"rule_id": rule_id, "db_name": record["db_name"], "db_type": record["db_type"],
            "ip_address": str(network) if "/" in address else address,
            "port": servers.provisioner(ctx.twin, record["db_type"]).public_port,
            "description": ctx.body.get("description"), "created_at": ctx.clock.iso(ctx.now)}
    ctx.collection(FIREWALL).put(rule_id, rule)
    return Reply(rule, status=201)


async def list_firewall_rules(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    rules = ctx.collection(FIREWALL).find({"db_name": record["db_name"]}, limit=1000).items
    return {"rules": rules, "total": len(rules)}


async def delete_firewall_rule(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    rule = ctx.collection(FIREWALL).get(str(ctx.path["rule_id"]))
    if rule is None or rule["db_name"] != record["db_name"]:
        raise NotFound("Firewall rule not found", field="rule_id", details={"detail": "Firewall rule not found"})
    ctx.collection(FIREWALL).delete(rule["rule_id"])
    return {"success": True, "message": f"Firewall rule {rule['rule_id']} removed"}


# -- snapshots and backups -----------------------------------------------------------


async def create_snapshot(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    body: dict[str, Any] = ctx.body or {}
    made = await snapshots.take(ctx.twin, ctx.tenant, record, "manual", body.get("name"), body.get("description"))
    records.history(ctx, "snapshot_created", record, snapshot_id=made["snapshot_id"])
    return Reply({"success": True, "snapshot_id": made["snapshot_id"], "db_name": record["db_name"],
                  "db_type": record["db_type"], "size_mb": made["size_mb"], "created_at": made["created_at"],
                  "description": made["description"], "message": "Snapshot created successfully",
                  "s3_backup": False, "offsite_status": None}, status=201)


async def list_snapshots(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    return {"db_name": record["db_name"], "db_type": record["db_type"],
            "snapshots": snapshots.of_database(ctx.twin, ctx.tenant, record["db_name"])}


def _snapshot_of(ctx: RequestContext, record: dict[str, Any], snapshot_id: str) -> dict[str, Any]:
    snapshot = ctx.collection(snapshots.SNAPSHOTS).get(snapshot_id)
    if snapshot is None or snapshot["db_name"] != record["db_name"]:
        raise NotFound("Snapshot not found", field="snapshot_id", details={"detail": "Snapshot not found"})
    return snapshot


async def restore_snapshot(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    snapshot = _snapshot_of(ctx, record, str(ctx.body["snapshot_id"]))
    path = str(snapshots.path_of(ctx.twin, ctx.tenant, snapshot["snapshot_id"]))
    target = record
    target_name = ctx.body.get("target_db_name")
    if target_name:
        made = await create_database(_with_body(ctx, {"db_type": record["db_type"], "requested_name": target_name}))
        created = made.body if isinstance(made, Reply) else made
        if created.get("idempotent"):
            raise Conflict("Target database exists", details={"detail": f"Database '{target_name}' already exists"})
        target = ctx.collection(DATABASES).get(created["db_name"]) or record
    await servers.call(ctx.twin, record["db_type"],
                       lambda p: p.restore(target["db_name"], target["username"], path))
    records.history(ctx, "restored", target, snapshot_id=snapshot["snapshot_id"], source=record["db_name"])
    return {"success": True, "db_name": target["db_name"], "snapshot_id": snapshot["snapshot_id"],
            "message": f"Database '{target['db_name']}' restored from snapshot {snapshot['snapshot_id']}"}


def _with_body(ctx: RequestContext, body: dict[str, Any]) -> RequestContext:
    return RequestContext(
        twin=ctx.twin, operation=ctx.operation, tenant=ctx.tenant, principal=ctx.principal, path=ctx.path,
        query=ctx.query, headers=ctx.headers, cookies=ctx.cookies, body=body, raw_body=b"",
        content_type=ctx.content_type, request_id=ctx.request_id, base_url=ctx.base_url,
    )


async def delete_snapshot(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    snapshot = _snapshot_of(ctx, record, str(ctx.path["snapshot_id"]))
    snapshots.forget(ctx.twin, ctx.tenant, snapshot["snapshot_id"])
    return {"success": True, "message": f"Snapshot {snapshot['snapshot_id']} deleted"}


def _policy_view(record: dict[str, Any], twin: Twin) -> dict[str, Any]:
    policy = record.get("policy") or {"enabled": False, "frequency": "daily", "retention_days": 7}
    next_at = policy.get("_next_at") if policy.get("enabled") else None
    return {"db_name": record["db_name"], "db_type": record["db_type"], "enabled": bool(policy["enabled"]),
            "frequency": policy.get("frequency", "daily"), "retention_days": int(policy.get("retention_days", 7)),
            "time_of_day": policy.get("time_of_day"), "last_backup": policy.get("last_backup"),
            "next_backup": twin.clock.iso(next_at) if next_at is not None else None}


async def get_backup_policy(ctx: RequestContext) -> Any:
    return _policy_view(records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"])), ctx.twin)


async def set_backup_policy(ctx: RequestContext) -> Any:
    record = records.find(ctx, str(ctx.path["db_type"]), str(ctx.path["db_name"]))
    body: dict[str, Any] = ctx.body
    retention = int(body.get("retention_days", 7))
    if not 1 <= retention <= 365:
        raise ValidationFailed([FieldIssue("body", ("retention_days",), "Input should be from 1 to 365",
                                           "range", retention)])
    time_of_day = body.get("time_of_day")
    if time_of_day is not None and snapshots.time_of_day(time_of_day) is None:
        raise ValidationFailed([FieldIssue("body", ("time_of_day",), "Input should be a time as HH:MM",
                                           "value_error", time_of_day)])
    previous = record.get("policy") or {}
    policy = {"enabled": bool(body["enabled"]), "frequency": body.get("frequency", "daily"),
              "retention_days": retention, "time_of_day": time_of_day, "last_backup": previous.get("last_backup")}
    policy["_next_at"] = snapshots.next_run(policy, ctx.now)
    record["policy"] = policy
    ctx.collection(DATABASES).put(record["db_name"], record)
    snapshots.schedule(ctx.twin, ctx.tenant, record)
    records.history(ctx, "modified", record, backup_policy=body.get("frequency", "daily"), enabled=policy["enabled"])
    return _policy_view(record, ctx.twin)


# -- account-wide ------------------------------------------------------------------


async def list_history(ctx: RequestContext) -> Any:
    return ctx.collection(HISTORY).find(newest_first=True, limit=1000).items


async def list_engines(ctx: RequestContext) -> Any:
    engines = []
    for db_type in servers.ENGINES:
        try:
            version = await servers.call(ctx.twin, db_type, lambda p: p.server_version())
        except Exception as exc:  # an engine that is not there is left out, with the reason logged
            ctx.twin.log.info("database engine %s not listed: %s", db_type, exc)
            continue
        short = ".".join(version.split(".")[:1 if db_type == "postgresql" else 2])
        engines.append({"name": db_type, "versions": [short], "default_version": short})
    return {"engines": engines}


async def get_quota(ctx: RequestContext) -> Any:
    found = ctx.collection(DATABASES).find(limit=QUOTA * 2).items
    total = 0
    for record in found:
        total += await _size(ctx.twin, record)
    return {"used": len(found), "limit": QUOTA, "storage_used_gb": round(total / 1024 ** 3, 4),
            "storage_limit_gb": records.STORAGE_LIMIT_GB}


async def list_tiers(ctx: RequestContext) -> Any:
    return {"tiers": [{"name": name, "tier": name, "description": text} for name, text in records.TIERS.items()]}


def drop_all(twin: Twin) -> None:
    """Before a reset: drop every database the state made on a server (a page at a time; reset only)."""
    from twinstack.engine.state import SHARED_TENANT

    listed = twin.collection(SHARED_TENANT, ON_SERVERS)
    for _ in range(10_000):
        page = listed.find(limit=200).items
        if not page:
            return
        for entry in page:
            db_type, _, db_name = str(entry["_id"]).partition(":")
            try:
                servers.provisioner(twin, db_type).drop(db_name, entry["username"])
            except Exception as exc:  # a server gone must not keep the state from being reset
                twin.log.warning("reset: dropping database %s failed: %s", db_name, exc)
            listed.delete(str(entry["_id"]))


ON_RESET = (drop_all,)


def adapt_create(op: Operation, body: Any) -> Any:
    """The SDK's ``{name, type, tier, description}`` create body in the document's ``db_type``/``requested_name``."""
    if op.operation_id != "create_database_v1_databases_post" or not isinstance(body, dict) or "db_type" in body:
        return body
    adapted = dict(body)
    if "type" in adapted:
        adapted["db_type"] = adapted.pop("type")
    if isinstance(adapted.get("name"), str) and "requested_name" not in adapted:
        adapted["requested_name"] = records.requested_from_sdk(adapted["name"])
    return adapted


BODY_ADAPTERS = (adapt_create,)

HANDLERS: dict[str, Handler] = {
    "create_database_v1_databases_post": create_database,
    "delete_database_v1_databases_delete": delete_database,
    "delete_database_restful_v1_databases__db_type___db_name__delete": delete_database_by_path,
    "scale_database_v1_databases__db_type___db_name__patch": scale_database,
    "list_databases_v1_databases__db_type__get": list_databases_of_type,
    "list_database_engines_v1_databases_engines_get": list_engines,
    "restart_database_connections_v1_databases__db_type___db_name__restart_post": restart_connections,
    "get_database_credentials_v1_databases__db_type___db_name__credentials_get": get_credentials,
    "rotate_database_credentials_v1_databases__db_type___db_name__credentials_rotate_post": rotate_credentials,
    "get_database_info_v1_databases__db_type___db_name__info_get": get_info,
    "add_firewall_rule_v1_databases__db_type___db_name__firewall_post": add_firewall_rule,
    "get_database_firewall_rules_v1_databases__db_type___db_name__firewall_get": list_firewall_rules,
    "delete_firewall_rule_v1_databases__db_type___db_name__firewall__rule_id__delete": delete_firewall_rule,
    "get_database_metrics_v1_databases__db_type___db_name__metrics_get": get_metrics,
    "get_database_quota_v1_quota_get": get_quota,
    "list_database_history_v1_databases_history_get": list_history,
    "create_snapshot_v1_databases__db_type___db_name__snapshots_post": create_snapshot,
    "list_snapshots_v1_databases__db_type___db_name__snapshots_get": list_snapshots,
    "restore_snapshot_v1_databases__db_type___db_name__restore_post": restore_snapshot,
    "delete_snapshot_v1_databases__db_type___db_name__snapshots__snapshot_id__delete": delete_snapshot,
    "get_backup_policy_v1_databases__db_type___db_name__backup_policy_get": get_backup_policy,
    "set_backup_policy_v1_databases__db_type___db_name__backup_policy_put": set_backup_policy,
    "listDatabases": list_all_databases,
    "getDatabase": get_database,
    "listDatabaseTiers": list_tiers,
}
