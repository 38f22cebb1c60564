"""Databases made for real: psycopg and PyMySQL connect with what the API hands out, through a whole life.

One ``twinstack serve`` with no database flags (its private PostgreSQL from the wheel, and MariaDB from
the machine's ``mariadbd``), and one pointed at the machine's own MariaDB server, as a user would run them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pymysql  # type: ignore[import-untyped]
import pytest

from tests.conftest import LiveServer, tenant_credentials

API = "/wayscloud/v1"


@pytest.fixture(scope="module")
def _served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("dbs") / "state", ["--services", "wayscloud", "--speed", "instant"])
    server.start()
    yield server
    server.reset()
    server.stop()


@pytest.fixture
def twin(_served: LiveServer) -> Iterator[httpx.Client]:
    with _served.http() as http:
        yield http
    _served.reset()


def _key(http: httpx.Client) -> dict[str, str]:
    return {"X-API-Key": tenant_credentials(http)["credentials"]["wayscloud"]["api_key"]}


def _create(http: httpx.Client, key: dict[str, str], db_type: str, name: str) -> dict[str, Any]:
    made = http.post(f"{API}/databases", headers=key, json={"db_type": db_type, "requested_name": name})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _pg(made: dict[str, Any], password: str | None = None) -> psycopg.Connection[Any]:
    return psycopg.connect(host=made["host"], port=made["port"], dbname=made["db_name"], user=made["username"],
                           password=password or made["password"], connect_timeout=5, autocommit=True)


def test_a_postgresql_database_through_its_whole_life(twin: httpx.Client) -> None:
    key = _key(twin)
    made = _create(twin, key, "postgresql", "webapp")
    assert made["db_name"].endswith("_pg_webapp") and made["idempotent"] is False
    assert twin.get(f"{API}/databases/postgresql", headers=key).json()["databases"] == [made["db_name"]]
    with psycopg.connect(made["connection_string"], connect_timeout=5, autocommit=True) as conn:
        conn.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
        conn.execute("INSERT INTO notes VALUES (1, 'kept'), (2, 'also kept')")
    path = f"{API}/databases/postgresql/{made['db_name']}"

    rotated = twin.post(f"{path}/credentials/rotate", headers=key).json()
    assert rotated["password"] != made["password"]
    with pytest.raises(psycopg.OperationalError):
        _pg(made).close()
    with _pg(made, rotated["password"]) as conn:
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (2,)
    shown = twin.get(f"{path}/credentials", headers=key).json()
    assert "password" not in shown and shown["username"] == made["username"]

    snapshot = twin.post(f"{path}/snapshots", headers=key, json={"description": "before the drop"})
    assert snapshot.status_code == 201 and snapshot.json()["size_mb"] > 0
    with _pg(made, rotated["password"]) as conn:
        conn.execute("DROP TABLE notes")
    restored = twin.post(f"{path}/restore", headers=key, json={"snapshot_id": snapshot.json()["snapshot_id"]})
    assert restored.status_code == 200, restored.text
    with _pg(made, rotated["password"]) as conn:
        assert conn.execute("SELECT body FROM notes ORDER BY id").fetchall() == [("kept",), ("also kept",)]
    listed = twin.get(f"{path}/snapshots", headers=key).json()["snapshots"]
    assert [s["snapshot_id"] for s in listed] == [snapshot.json()["snapshot_id"]]

    gone = twin.delete(path, headers=key)
    assert gone.status_code == 200 and gone.json()["success"] is True
    assert twin.get(f"{path}/info", headers=key).status_code == 404
    with pytest.raises(psycopg.OperationalError):
        _pg(made, rotated["password"]).close()
    actions = [h["action"] for h in twin.get(f"{API}/databases/history", headers=key).json()]
    assert actions == ["deleted", "restored", "snapshot_created", "modified", "created"]


def test_the_same_name_again_is_idempotent_and_another_engine_is_409(twin: httpx.Client) -> None:
    key = _key(twin)
    first = _create(twin, key, "postgresql", "app")
    again = _create(twin, key, "postgresql", "app")
    assert again["idempotent"] is True and again["password"] == first["password"]
    other = twin.post(f"{API}/databases", headers=key, json={"db_type": "mariadb", "requested_name": "app"})
    assert other.status_code == 409


def test_info_measures_the_real_size_and_connections_and_the_limit_is_the_servers(twin: httpx.Client) -> None:
    key = _key(twin)
    made = _create(twin, key, "postgresql", "measured")
    path = f"{API}/databases/postgresql/{made['db_name']}"
    with _pg(made) as conn:
        info = twin.get(f"{path}/info", headers=key).json()
        assert info["connection_count"] == 1 and info["size_mb"] > 1 and info["owner"] == made["username"]
        assert twin.patch(path, headers=key, json={"connection_limit": 10}).status_code == 200
        assert twin.get(f"{path}/info", headers=key).json()["connection_limit"] == 10
        ended = twin.post(f"{path}/restart", headers=key).json()
        assert "1 connection(s) terminated" in ended["message"]
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")


def test_a_restore_to_a_new_name_makes_a_second_database_with_the_data(twin: httpx.Client) -> None:
    key = _key(twin)
    made = _create(twin, key, "postgresql", "source")
    with _pg(made) as conn:
        conn.execute("CREATE TABLE t (v int)")
        conn.execute("INSERT INTO t VALUES (42)")
    path = f"{API}/databases/postgresql/{made['db_name']}"
    snapshot_id = twin.post(f"{path}/snapshots", headers=key, json={}).json()["snapshot_id"]
    restored = twin.post(f"{path}/restore", headers=key, json={"snapshot_id": snapshot_id, "target_db_name": "copy"})
    assert restored.status_code == 200, restored.text
    copy_name = restored.json()["db_name"]
    assert copy_name.endswith("_pg_copy")
    detail = twin.get(f"{API}/databases/postgresql/{copy_name}", headers=key).json()
    password = twin.post(f"{API}/databases/postgresql/{copy_name}/credentials/rotate", headers=key).json()["password"]
    with psycopg.connect(host=detail["host"], port=detail["port"], dbname=copy_name, user=detail["username"],
                         password=password, connect_timeout=5) as conn:
        assert conn.execute("SELECT v FROM t").fetchall() == [(42,)]


def test_a_daily_backup_policy_takes_snapshots_on_the_twin_clock(twin: httpx.Client) -> None:
    key = _key(twin)
    made = _create(twin, key, "postgresql", "backed")
    path = f"{API}/databases/postgresql/{made['db_name']}"
    policy = twin.put(f"{path}/backup-policy", headers=key,
                      json={"enabled": True, "frequency": "daily", "retention_days": 7, "time_of_day": "03:00"}).json()
    assert policy["next_backup"] is not None and policy["last_backup"] is None
    assert twin.post("/_twinstack/clock/advance", json={"seconds": 2 * 86400}).status_code == 200
    kinds = [s["snapshot_type"] for s in twin.get(f"{path}/snapshots", headers=key).json()["snapshots"]]
    assert kinds and set(kinds) == {"automatic"}
    assert twin.get(f"{path}/backup-policy", headers=key).json()["last_backup"] is not None


def test_another_customers_database_is_404_and_not_listed(twin: httpx.Client) -> None:
    mine, theirs = _key(twin), _key(twin)
    made = _create(twin, theirs, "postgresql", "private")
    assert twin.get(f"{API}/databases/postgresql", headers=mine).json()["databases"] == []
    assert twin.get(f"{API}/databases/postgresql/{made['db_name']}/info", headers=mine).status_code == 404


def test_the_sdk_spelling_and_the_client_only_paths(twin: httpx.Client) -> None:
    key = _key(twin)
    made = twin.post(f"{API}/databases", headers=key, json={"name": "my-shop", "type": "postgresql", "tier": "standard"})
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "my-shop" and made.json()["db_name"].endswith("_pg_my_shop")
    listed = twin.get(f"{API}/databases", headers=key).json()["databases"]
    assert [(d["name"], d["type"], d["status"]) for d in listed] == [("my-shop", "postgresql", "active")]
    detail = twin.get(f"{API}/databases/postgresql/my-shop", headers=key).json()
    assert detail["db_name"] == made.json()["db_name"] and detail["port"] == made.json()["port"]
    assert [t["name"] for t in twin.get(f"{API}/databases/tiers", headers=key).json()["tiers"]] == ["standard", "encrypted"]
    engines = {e["name"]: e for e in twin.get(f"{API}/databases/engines", headers=key).json()["engines"]}
    assert engines["postgresql"]["default_version"].isdigit()


@pytest.fixture(scope="module")
def _on_machine_mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    try:
        pymysql.connect(host="127.0.0.1", port=3306, user="root", connect_timeout=3).close()
    except pymysql.MySQLError as exc:
        pytest.skip(f"no MariaDB on 127.0.0.1:3306 ({exc})")
    server = LiveServer(tmp_path_factory.mktemp("maria") / "state", [
        "--services", "wayscloud", "--speed", "instant", "--mysql-admin-url", "mysql://root@127.0.0.1:3306/"])
    server.start()
    yield server
    server.reset()
    server.stop()


def test_a_mariadb_database_on_the_machines_server(_on_machine_mariadb: LiveServer, tmp_path: Path) -> None:
    with _on_machine_mariadb.http() as http:
        key = _key(http)
        made = _create(http, key, "mariadb", "shop")
        assert made["port"] == 3306

        def connect(password: str) -> Any:
            return pymysql.connect(host=made["host"], port=made["port"], user=made["username"], password=password,
                                   database=made["db_name"], connect_timeout=5, autocommit=True)
        conn = connect(made["password"])
        with conn.cursor() as cursor:
            cursor.execute("CREATE TABLE items (id int PRIMARY KEY, name varchar(20))")
            cursor.execute("INSERT INTO items VALUES (1, 'lamp')")
        conn.close()
        path = f"{API}/databases/mariadb/{made['db_name']}"
        rotated = http.post(f"{path}/credentials/rotate", headers=key).json()["password"]
        with pytest.raises(pymysql.MySQLError):
            connect(made["password"])
        snapshot_id = http.post(f"{path}/snapshots", headers=key, json={}).json()["snapshot_id"]
        conn = connect(rotated)
        with conn.cursor() as cursor:
            cursor.execute("DROP TABLE items")
        conn.close()
        assert http.post(f"{path}/restore", headers=key, json={"snapshot_id": snapshot_id}).status_code == 200
        conn = connect(rotated)
        with conn.cursor() as cursor:
            cursor.execute("SELECT name FROM items")
            assert cursor.fetchall() == (("lamp",),)
        conn.close()
        assert http.delete(path, headers=key).status_code == 200
        with pytest.raises(pymysql.MySQLError):
            connect(rotated)


def test_the_official_sdk_creates_lists_reads_guards_and_deletes_a_database(_served: LiveServer) -> None:
    from wayscloud import NotFoundError

    from tests.packs.wayscloud.clients import sdk_on

    with _served.http() as http:
        pat = tenant_credentials(http)["credentials"]["wayscloud"]["pat"]
        sdk = sdk_on(httpx.Client(timeout=30), token=pat, base_url=f"{_served.url}/wayscloud")
        made = sdk.database.create("orders-db", db_type="postgresql")
        with psycopg.connect(made["connection_string"], connect_timeout=5) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (made["db_name"],)
        assert [d["name"] for d in sdk.database.list()] == ["orders-db"]
        detail = sdk.database.get("postgresql", "orders-db")
        assert (detail["host"], detail["port"], detail["status"]) == (made["host"], made["port"], "active")
        sdk.database.add_firewall_rule("postgresql", "orders-db", "203.0.113.50", "office")
        assert [r["ip_address"] for r in sdk.database.firewall_rules("postgresql", "orders-db")] == ["203.0.113.50"]
        sdk.database.delete("postgresql", "orders-db")
        with pytest.raises(NotFoundError):
            sdk.database.get("postgresql", "orders-db")
    _served.reset()
