"""The SQL both implementations share; each supplies a connection and a placeholder."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from twinstack.store.base import Credential, Job

TABLES = ("resources", "tenants", "credentials", "kv", "jobs", "outbox", "journal", "meta")

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS resources (
        service TEXT NOT NULL, tenant TEXT NOT NULL, collection TEXT NOT NULL, rid TEXT NOT NULL,
        seq BIGINT NOT NULL, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
        data TEXT NOT NULL, PRIMARY KEY (service, tenant, collection, rid))""",
    "CREATE INDEX IF NOT EXISTS resources_by_seq ON resources (service, tenant, collection, seq)",
    "CREATE INDEX IF NOT EXISTS resources_by_rid ON resources (service, collection, rid)",
    """CREATE TABLE IF NOT EXISTS tenants (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, data TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS credentials (
        token_hash TEXT PRIMARY KEY, tenant TEXT NOT NULL, service TEXT NOT NULL, kind TEXT NOT NULL,
        label TEXT NOT NULL, scopes TEXT, schemes TEXT, data TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
        expires_at DOUBLE PRECISION, revoked_at DOUBLE PRECISION)""",
    "CREATE INDEX IF NOT EXISTS credentials_by_tenant ON credentials (tenant, service)",
    """CREATE TABLE IF NOT EXISTS kv (
        namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (namespace, key))""",
    """CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, due_at DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, service TEXT NOT NULL,
        tenant TEXT NOT NULL, payload TEXT NOT NULL, claimed INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS jobs_due ON jobs (claimed, due_at)",
    """CREATE TABLE IF NOT EXISTS outbox (
        seq BIGINT PRIMARY KEY, id TEXT NOT NULL, service TEXT NOT NULL, tenant TEXT NOT NULL,
        channel TEXT NOT NULL, recipient TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS journal (
        seq BIGINT PRIMARY KEY, data TEXT NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
]

_counter = itertools.count()


def next_seq() -> int:
    """Monotonic within a process and ordered across processes to the microsecond."""
    return time.time_ns() // 1000 * 1000 + next(_counter) % 1000


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


class SqlStore:
    """Store methods written once over ``self._exec``/``self._fetch``."""

    P = "?"

    # subclasses provide these ------------------------------------------------
    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        raise NotImplementedError

    def _fetch(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    def _q(self, sql: str) -> str:
        return sql if self.P == "?" else sql.replace("?", self.P)

    def _init_schema(self) -> None:
        for stmt in SCHEMA:
            self._exec(stmt)

    # resources ---------------------------------------------------------------
    def get(self, service: str, tenant: str, collection: str, rid: str) -> dict[str, Any] | None:
        rows = self._fetch(
            self._q("SELECT data FROM resources WHERE service=? AND tenant=? AND collection=? AND rid=?"),
            (service, tenant, collection, rid),
        )
        return loads(rows[0][0]) if rows else None

    def put(self, service: str, tenant: str, collection: str, rid: str, data: dict[str, Any], now: float) -> None:
        self._exec(
            self._q(
                "INSERT INTO resources (service, tenant, collection, rid, seq, created_at, updated_at, data)"
                " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (service, tenant, collection, rid)"
                " DO UPDATE SET data=excluded.data, updated_at=excluded.updated_at"
            ),
            (service, tenant, collection, rid, next_seq(), now, now, dumps(data)),
        )

    def insert(self, service: str, tenant: str, collection: str, rid: str, data: dict[str, Any], now: float) -> bool:
        count = self._exec(
            self._q(
                "INSERT INTO resources (service, tenant, collection, rid, seq, created_at, updated_at, data)"
                " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (service, tenant, collection, rid) DO NOTHING"
            ),
            (service, tenant, collection, rid, next_seq(), now, now, dumps(data)),
        )
        return count > 0

    def delete(self, service: str, tenant: str, collection: str, rid: str) -> bool:
        count = self._exec(
            self._q("DELETE FROM resources WHERE service=? AND tenant=? AND collection=? AND rid=?"),
            (service, tenant, collection, rid),
        )
        return count > 0

    def list(
        self, service: str, tenant: str, collection: str, *, newest_first: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]:
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT data FROM resources WHERE service=? AND tenant=? AND collection=? ORDER BY seq {order}"
        args: tuple[Any, ...] = (service, tenant, collection)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += (int(limit), int(offset))
        return [loads(r[0]) for r in self._fetch(self._q(sql), args)]

    def count(self, service: str, tenant: str, collection: str) -> int:
        rows = self._fetch(
            self._q("SELECT COUNT(*) FROM resources WHERE service=? AND tenant=? AND collection=?"), (service, tenant, collection)
        )
        return int(rows[0][0])

    def find_any_tenant(self, service: str, collection: str, rid: str) -> tuple[str, dict[str, Any]] | None:
        rows = self._fetch(
            self._q("SELECT tenant, data FROM resources WHERE service=? AND collection=? AND rid=? LIMIT 1"),
            (service, collection, rid),
        )
        return (rows[0][0], loads(rows[0][1])) if rows else None

    # tenants and credentials -------------------------------------------------
    def put_tenant(self, tenant_id: str, name: str, data: dict[str, Any], now: float) -> None:
        self._exec(
            self._q(
                "INSERT INTO tenants (id, name, created_at, data) VALUES (?,?,?,?)"
                " ON CONFLICT (id) DO UPDATE SET name=excluded.name, data=excluded.data"
            ),
            (tenant_id, name, now, dumps(data)),
        )

    def get_tenant(self, tenant_id: str) -> dict[str, Any] | None:
        rows = self._fetch(self._q("SELECT id, name, created_at, data FROM tenants WHERE id=?"), (tenant_id,))
        return _tenant(rows[0]) if rows else None

    def list_tenants(self) -> list[dict[str, Any]]:
        return [_tenant(r) for r in self._fetch("SELECT id, name, created_at, data FROM tenants ORDER BY created_at")]

    def add_credential(self, cred: Credential) -> None:
        self._exec(
            self._q(
                "INSERT INTO credentials (token_hash, tenant, service, kind, label, scopes, schemes, data, created_at,"
                " expires_at, revoked_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (token_hash) DO UPDATE SET"
                " tenant=excluded.tenant, service=excluded.service, kind=excluded.kind, label=excluded.label,"
                " scopes=excluded.scopes, schemes=excluded.schemes, data=excluded.data, expires_at=excluded.expires_at,"
                " revoked_at=excluded.revoked_at"
            ),
            _cred_row(cred),
        )

    def update_credential(self, cred: Credential) -> None:
        self.add_credential(cred)

    def find_credential(self, token_hash: str) -> Credential | None:
        rows = self._fetch(self._q(f"SELECT {_CRED_COLS} FROM credentials WHERE token_hash=?"), (token_hash,))
        return _cred(rows[0]) if rows else None

    def list_credentials(self, tenant: str, service: str) -> list[Credential]:
        rows = self._fetch(
            self._q(f"SELECT {_CRED_COLS} FROM credentials WHERE tenant=? AND service=? ORDER BY created_at"), (tenant, service)
        )
        return [_cred(r) for r in rows]

    # kv ----------------------------------------------------------------------
    def kv_get(self, namespace: str, key: str) -> Any:
        rows = self._fetch(self._q("SELECT value FROM kv WHERE namespace=? AND key=?"), (namespace, key))
        return loads(rows[0][0]) if rows else None

    def kv_put(self, namespace: str, key: str, value: Any) -> None:
        self._exec(
            self._q("INSERT INTO kv (namespace, key, value) VALUES (?,?,?) ON CONFLICT (namespace, key) DO UPDATE SET value=excluded.value"),
            (namespace, key, dumps(value)),
        )

    def kv_delete(self, namespace: str, key: str) -> None:
        self._exec(self._q("DELETE FROM kv WHERE namespace=? AND key=?"), (namespace, key))

    # jobs --------------------------------------------------------------------
    def add_job(self, job: Job) -> None:
        self._exec(
            self._q(
                "INSERT INTO jobs (id, due_at, kind, service, tenant, payload, claimed) VALUES (?,?,?,?,?,?,0)"
                " ON CONFLICT (id) DO UPDATE SET due_at=excluded.due_at, payload=excluded.payload, claimed=0"
            ),
            (job.id, job.due_at, job.kind, job.service, job.tenant, dumps(job.payload)),
        )

    def claim_due_jobs(self, now: float, limit: int = 100) -> list[Job]:
        jobs: list[Job] = []
        with self.transaction():
            rows = self._fetch(
                self._q("SELECT id, due_at, kind, service, tenant, payload FROM jobs WHERE claimed=0 AND due_at<=? ORDER BY due_at LIMIT ?"),
                (now, limit),
            )
            for row in rows:
                # Deleting in the claiming transaction means two workers never run one job.
                if self._exec(self._q("DELETE FROM jobs WHERE id=? AND claimed=0"), (row[0],)):
                    jobs.append(Job(row[0], row[1], row[2], row[3], row[4], loads(row[5])))
        return jobs

    def next_job_due(self) -> float | None:
        rows = self._fetch("SELECT MIN(due_at) FROM jobs WHERE claimed=0")
        return rows[0][0] if rows and rows[0][0] is not None else None

    # outbox, journal ---------------------------------------------------------
    def add_message(self, message: dict[str, Any]) -> None:
        self._exec(
            self._q("INSERT INTO outbox (seq, id, service, tenant, channel, recipient, created_at, data) VALUES (?,?,?,?,?,?,?,?)"),
            (
                next_seq(), message["id"], message.get("service", ""), message.get("tenant", ""), message.get("channel", ""),
                str(message.get("recipient", "")), message.get("created_at", ""), dumps(message),
            ),
        )

    def list_messages(self, filters: dict[str, str], limit: int, before_seq: int | None) -> list[dict[str, Any]]:
        sql = "SELECT seq, data FROM outbox WHERE 1=1"
        args: list[Any] = []
        for col in ("service", "tenant", "channel", "recipient"):
            if filters.get(col):
                sql += f" AND {col}=?"
                args.append(filters[col])
        if filters.get("since"):
            sql += " AND created_at>=?"
            args.append(filters["since"])
        if before_seq is not None:
            sql += " AND seq<?"
            args.append(before_seq)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(limit)
        out = []
        for seq, data in self._fetch(self._q(sql), tuple(args)):
            item = loads(data)
            item["_seq"] = seq
            out.append(item)
        return out

    def add_journal(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            return
        with self.transaction():
            for entry in entries:
                self._exec(self._q("INSERT INTO journal (seq, data) VALUES (?,?)"), (next_seq(), dumps(entry)))

    def list_journal(self, limit: int) -> list[dict[str, Any]]:
        return [loads(r[0]) for r in self._fetch(self._q("SELECT data FROM journal ORDER BY seq DESC LIMIT ?"), (limit,))]

    # whole state -------------------------------------------------------------
    def meta_get(self, key: str) -> str | None:
        rows = self._fetch(self._q("SELECT value FROM meta WHERE key=?"), (key,))
        return rows[0][0] if rows else None

    def meta_set(self, key: str, value: str) -> None:
        self._exec(self._q("INSERT INTO meta (key, value) VALUES (?,?) ON CONFLICT (key) DO UPDATE SET value=excluded.value"), (key, value))

    def reset(self) -> None:
        with self.transaction():
            for table in TABLES:
                self._exec(f"DELETE FROM {table}")

    def export(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": "twinstack-state/1"}
        for table in TABLES:
            out[table] = [list(r) for r in self._fetch(f"SELECT * FROM {table}")]
        return out

    def import_(self, snapshot: dict[str, Any]) -> None:
        with self.transaction():
            for table in TABLES:
                self._exec(f"DELETE FROM {table}")
                for row in snapshot.get(table) or []:
                    marks = ",".join(["?"] * len(row))
                    self._exec(self._q(f"INSERT INTO {table} VALUES ({marks})"), tuple(row))


_CRED_COLS = "token_hash, tenant, service, kind, label, scopes, schemes, data, created_at, expires_at, revoked_at"


def _cred_row(c: Credential) -> tuple[Any, ...]:
    return (
        c.token_hash, c.tenant, c.service, c.kind, c.label,
        None if c.scopes is None else dumps(c.scopes), None if c.schemes is None else dumps(c.schemes),
        dumps(c.data), c.created_at, c.expires_at, c.revoked_at,
    )


def _cred(r: tuple[Any, ...]) -> Credential:
    return Credential(r[0], r[1], r[2], r[3], r[4], loads(r[5]), loads(r[6]), loads(r[7]) or {}, r[8], r[9], r[10])


def _tenant(r: tuple[Any, ...]) -> dict[str, Any]:
    return {"id": r[0], "name": r[1], "created_at": r[2], "data": loads(r[3]) or {}}
