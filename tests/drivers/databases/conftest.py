"""Fixtures of the database driver suite: every test runs once per engine, against the real server.

``engine`` is ``postgres`` or ``mysql`` (marked so; skipped with the reason when
that server is unreachable), ``provisioner`` the driver for it under the
session's name prefix, and ``make_db`` a factory whose databases are dropped
after the test. Whatever a failing test leaves is swept by prefix at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from functools import cache

import pytest

from tests.drivers.databases.private_pg import password_checking_cluster, shared_server_checks_passwords
from tests.drivers.databases.servers import ADMIN_URLS, SESSION_PREFIX, admin_error, sweep
from twinstack.drivers.databases import Provisioned, Provisioner, open_provisioner

ENV_VARS = {"postgres": "TWINSTACK_TEST_PG", "mysql": "TWINSTACK_TEST_MYSQL"}

MakeDb = Callable[..., Provisioned]

ONLY_POSTGRES = pytest.mark.parametrize("engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
"""For a test of something only PostgreSQL has."""
ONLY_MYSQL = pytest.mark.parametrize("engine", [pytest.param("mysql", marks=pytest.mark.mysql)], indirect=True)
"""For a test of something only MySQL/MariaDB has."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mysql: needs the MySQL/MariaDB server on 127.0.0.1:3306")


@cache
def _unreachable(engine: str) -> str | None:
    return admin_error(engine)


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ],
)
def engine(request: pytest.FixtureRequest) -> Iterator[str]:
    name: str = request.param
    reason = _unreachable(name)
    if reason is not None:
        pytest.skip(f"{name} server at {ADMIN_URLS[name]} is unreachable ({reason}); set {ENV_VARS[name]}")
    yield name
    sweep(name)


@pytest.fixture
def provisioner(engine: str) -> Provisioner:
    return open_provisioner(ADMIN_URLS[engine], name_prefix=SESSION_PREFIX)


@pytest.fixture
def make_db(provisioner: Provisioner) -> Iterator[MakeDb]:
    """Factory: ``make_db(hint="app", connection_limit=None, unique_id=None)`` → a provisioned database."""
    yield from _factory(provisioner)


@pytest.fixture(scope="session")
def checked_admin_url(engine: str) -> Iterator[str]:
    """An admin URL of a server that checks passwords: the shared one, else a private PostgreSQL cluster."""
    if engine == "mysql" or shared_server_checks_passwords():
        yield ADMIN_URLS[engine]
        return
    with password_checking_cluster() as url:
        yield url


@pytest.fixture
def checked_provisioner(checked_admin_url: str) -> Provisioner:
    """Like ``provisioner``, on a server where a wrong password is refused."""
    return open_provisioner(checked_admin_url, name_prefix=SESSION_PREFIX)


@pytest.fixture
def make_checked_db(checked_provisioner: Provisioner) -> Iterator[MakeDb]:
    """Like ``make_db``, on a server where a wrong password is refused."""
    yield from _factory(checked_provisioner)


def _factory(provisioner: Provisioner) -> Iterator[MakeDb]:
    made: list[Provisioned] = []

    def make(hint: str = "app", *, connection_limit: int | None = None, unique_id: str | None = None) -> Provisioned:
        db = provisioner.create(hint, unique_id=unique_id or str(uuid.uuid4()), connection_limit=connection_limit)
        made.append(db)
        return db

    yield make
    for db in made:
        provisioner.drop(db.database, db.username)
