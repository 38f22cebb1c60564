"""Names and passwords for provisioned databases, the same on every engine.

One server is shared by every tenant of every twin state pointed at it, so a
name must never depend on a per-state counter (two states both have a
database number 42). The scheme:

- database: ``<prefix><hint>``, and ``<prefix><hint>-<key8>`` when that is
  taken, where ``hint`` is the caller's name made safe (``my-app-db``) and
  ``key8`` the first 8 characters of the caller's unique id;
- role/user: ``<prefix>u<key12>``, from the unique id alone, so it is short
  enough for MySQL 8's 32-character user names.

The prefix (empty by default) lets an operator tell the twin's databases from
others on the server, and lets the tests drop everything they made.
"""

from __future__ import annotations

import re
import secrets

MAX_NAME_LENGTH = 63
"""PostgreSQL truncates identifiers past 63 bytes and MySQL allows 64 for databases: keep under both."""

_PREFIX = re.compile(r"^(?:[a-z][a-z0-9_]{0,15})?$")
_UNSAFE = re.compile(r"[^a-z0-9_-]+")
_KEY_LENGTH = 12
_SUFFIX_LENGTH = 8


def check_prefix(prefix: str) -> str:
    """``prefix`` if it is a usable name prefix (lowercase, at most 16 characters), else ``ValueError``."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"name prefix {prefix!r} must be empty or [a-z][a-z0-9_]{{0,15}}")
    return prefix


def unique_key(unique_id: str) -> str:
    """The letters and digits of ``unique_id`` (a UUID loses its hyphens); ``ValueError`` if fewer than 8."""
    key = re.sub(r"[^a-z0-9]", "", unique_id.lower())
    if len(key) < _SUFFIX_LENGTH:
        raise ValueError(f"unique id {unique_id!r} needs at least {_SUFFIX_LENGTH} letters or digits")
    return key


def database_name(prefix: str, name_hint: str, unique_id: str, *, suffixed: bool) -> str:
    """The database name for ``name_hint``; with ``suffixed``, the fallback that carries the unique key."""
    hint = _UNSAFE.sub("-", name_hint.lower()).strip("-_") or "db"
    suffix = "-" + unique_key(unique_id)[:_SUFFIX_LENGTH] if suffixed else ""
    room = MAX_NAME_LENGTH - len(prefix) - len(suffix)
    return prefix + hint[:room].rstrip("-_") + suffix


def role_name(prefix: str, unique_id: str) -> str:
    """The login that owns the database made for ``unique_id``."""
    return f"{prefix}u{unique_key(unique_id)[:_KEY_LENGTH]}"


def new_password() -> str:
    """32 URL-safe random characters (192 bits), so a connection URI needs no escaping."""
    return secrets.token_urlsafe(24)
