"""Names, passwords, URIs and MySQL quoting, checked without a server."""

from __future__ import annotations

import pytest

import twinstack.drivers.databases as databases
from twinstack.drivers.databases import ConnectionInfo, open_provisioner
from twinstack.drivers.databases._mysql_sql import file_name, grant_target, quote_identifier
from twinstack.drivers.databases.naming import MAX_NAME_LENGTH, database_name, new_password, role_name

UUID = "3f2a9c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b"


def test_database_names_keep_a_safe_form_of_the_hint() -> None:
    assert database_name("", "my-app-db", UUID, suffixed=False) == "my-app-db"
    assert database_name("tw_", "My App/DB", UUID, suffixed=False) == "tw_my-app-db"
    assert database_name("", "---", UUID, suffixed=False) == "db"
    assert database_name("", "my-app-db", UUID, suffixed=True) == "my-app-db-3f2a9c1e"


def test_long_hints_are_cut_so_the_name_fits_every_engine() -> None:
    name = database_name("prefix_", "a" * 100, UUID, suffixed=True)
    assert len(name) == MAX_NAME_LENGTH and name.endswith("-3f2a9c1e")


def test_role_names_come_from_the_unique_id_alone_and_fit_mysql_8() -> None:
    assert role_name("", UUID) == "u3f2a9c1e7b4d"
    assert len(role_name("abcdefghijklmnop", UUID)) <= 32


def test_a_unique_id_too_short_to_be_unique_is_rejected() -> None:
    with pytest.raises(ValueError, match="unique id"):
        role_name("", "42")


def test_a_bad_prefix_is_rejected() -> None:
    with pytest.raises(ValueError, match="prefix"):
        open_provisioner("postgresql://postgres@127.0.0.1/postgres", name_prefix="Bad-Prefix")


def test_passwords_are_long_random_and_need_no_escaping_in_a_uri() -> None:
    passwords = {new_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(len(p) == 32 and all(c.isalnum() or c in "-_" for c in p) for p in passwords)


def test_connection_uris_round_trip_and_mask_the_password() -> None:
    info = ConnectionInfo("mysql", "127.0.0.1", 3306, "my-app-db", "u1", "p@ss:word/")
    assert info.uri == "mysql://u1:p%40ss%3Aword%2F@127.0.0.1:3306/my-app-db"
    assert ConnectionInfo.from_uri(info.uri) == info
    assert info.masked_uri() == "mysql://u1:***@127.0.0.1:3306/my-app-db"
    assert ConnectionInfo.from_uri("postgresql://u:p@db:5433/x").port == 5433
    with pytest.raises(ValueError, match="scheme"):
        ConnectionInfo.from_uri("redis://u:p@db/0")


def test_mysql_grants_escape_wildcards_and_files_escape_hyphens() -> None:
    assert grant_target("tw_a%b") == "`tw\\_a\\%b`.*"
    assert quote_identifier("we`ird") == "`we``ird`"
    assert file_name("tw_my-db") == "tw_my@002ddb"


def test_unknown_url_schemes_have_no_provisioner() -> None:
    with pytest.raises(ValueError, match="no database provisioner"):
        open_provisioner("sqlite:///x.db")


def test_the_public_surface_is_all_and_only_all() -> None:
    # The provisioner classes load on first use (their client libraries are slow to import).
    lazy = {"PostgresProvisioner", "MySQLProvisioner"}
    public = {name for name in vars(databases) if name.isidentifier() and not name.startswith("_")} | lazy
    modules = {"errors", "mysql", "naming", "postgres", "protocol", "values", "annotations", "Any", "TYPE_CHECKING",
               "embedded_mysql", "embedded_postgres", "servers", "_dumps"}
    assert public - modules == set(databases.__all__)
    assert all(getattr(databases, name) is not None for name in databases.__all__)
