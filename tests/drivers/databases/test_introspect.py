"""Schema introspection: tables, views and columns with the server's own type spelling."""

from __future__ import annotations

import pytest

from tests.drivers.databases.conftest import ONLY_POSTGRES, MakeDb
from tests.drivers.databases.servers import Client
from twinstack.drivers.databases import ColumnInfo, Provisioner


def test_tables_views_and_columns_are_described(engine: str, provisioner: Provisioner, make_db: MakeDb) -> None:
    db = make_db("schema")
    client = Client(db.connection)
    try:
        client.execute(
            "CREATE TABLE customers (id int primary key, email varchar(120) not null, balance numeric(10,2), note text)"
        )
        client.execute("CREATE TABLE orders (id int primary key, customer_id int not null)")
        client.execute("CREATE VIEW rich AS SELECT id, email FROM customers WHERE balance > 100")
    finally:
        client.close()

    tables = {t.name: t for t in provisioner.introspect(db.database)}
    assert sorted(tables) == ["customers", "orders", "rich"]
    assert tables["rich"].kind == "view" and tables["customers"].kind == "table"
    assert [c.name for c in tables["customers"].columns] == ["id", "email", "balance", "note"]
    if engine == "postgres":
        assert tables["customers"].schema == "public"
        assert tables["customers"].columns[:3] == (
            ColumnInfo("id", "integer", nullable=False, primary_key=True),
            ColumnInfo("email", "character varying(120)", nullable=False),
            ColumnInfo("balance", "numeric(10,2)", nullable=True),
        )
    else:
        assert tables["customers"].schema == db.database
        assert tables["customers"].columns[1:3] == (
            ColumnInfo("email", "varchar(120)", nullable=False),
            ColumnInfo("balance", "decimal(10,2)", nullable=True),
        )
        assert tables["customers"].columns[0].primary_key
    assert provisioner.list_tables(db.database) == ["customers", "orders"]


def test_an_empty_database_has_no_tables(provisioner: Provisioner, make_db: MakeDb) -> None:
    db = make_db("empty")
    assert provisioner.introspect(db.database) == []
    assert provisioner.list_tables(db.database) == []


@ONLY_POSTGRES
def test_postgres_tables_outside_public_are_schema_qualified(
    engine: str, provisioner: Provisioner, make_db: MakeDb
) -> None:
    db = make_db("schemas")
    client = Client(db.connection)
    try:
        client.execute("CREATE SCHEMA billing")
        client.execute("CREATE TABLE billing.invoices (id int)")
        client.execute("CREATE TABLE plain (id int)")
    finally:
        client.close()
    assert provisioner.list_tables(db.database) == ["billing.invoices", "plain"]
