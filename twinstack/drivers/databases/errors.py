"""The errors a database provisioner raises, so callers never import psycopg or PyMySQL.

::

    DatabaseDriverError        a server refused or failed an operation; ``message`` is the server's text
    ├── EngineUnavailable      the admin server is unreachable, too old, or the admin lacks privileges
    ├── NameTaken              the database or role name is already used on the shared server
    └── LoginRefused           a tenant login (``run_in_transaction``) was refused by the server

Every error carries the server's own message where there is one, because the
twins pass it on to their clients (a failed blueprint, an engine reported
unavailable) and a paraphrase would hide the real cause.
"""

from __future__ import annotations


class DatabaseDriverError(Exception):
    """An operation on a database server failed."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        """Human-readable cause, the server's own words where it gave any."""
        self.code = code
        """The server's error code: a SQLSTATE on PostgreSQL, an error number on MySQL/MariaDB."""


class EngineUnavailable(DatabaseDriverError):
    """The admin server cannot be used: unreachable, unsupported version, or missing privileges."""


class NameTaken(DatabaseDriverError):
    """The database or role name derived for a new database is already in use on the server."""


class LoginRefused(DatabaseDriverError):
    """The server refused a tenant's login: wrong password, no such role, no access, or too many connections."""
