"""Blue Lobster API keys: their format, the permissions they carry, and how they are issued.

A key is 40 base62 characters with no prefix, sent in the ``X-API-Key`` header
(scheme ``APIKeyHeader``, the document's only one; the engine's default
extraction reads it there). The document never shows a whole key; its task
list shows ``auth_token_partial: "AuSpn7JK"``, the first 8 characters of an
opaque token, which is all the format this twin keeps to.

What a key may do is not a scope in the document's ``security`` (there are
none) but the account's permissions, which the real service answers with 403
("Write permission required", "Buyer permission required", "Staff permission
required", a team role that "cannot manage firewall"). Each key carries them as
credential data (``Permissions``); ``permissions.py`` says which operation
needs what.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from twinstack.engine.pack import ALNUM
from twinstack.engine.tenants import Issuer

SCHEME = "APIKeyHeader"
"""The document's only security scheme: ``apiKey`` in header ``X-API-Key``."""
KEY_LENGTH = 40
PARTIAL_LENGTH = 8
"""How much of a key the task list shows as ``auth_token_partial``."""
ROLES = ("owner", "admin", "member", "viewer")
"""Team roles, strongest first, as the document's 403 examples name them."""


@dataclass(frozen=True, slots=True)
class Permissions:
    """What one key's holder may do, stored as the credential's data."""

    role: str = "owner"
    """Team role: ``owner``, ``admin``, ``member`` or ``viewer``."""
    write: bool = True
    """May change things (the document's "Write permission required")."""
    buyer: bool = True
    """May launch billed instances ("Buyer permission required")."""
    staff: bool = True
    """Blue Lobster staff: custom launches on a chosen host ("Staff permission required")."""
    team_id: str | None = None
    """A team-scoped key sees only that team's resources; ``None`` sees the whole account."""

    def as_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> Permissions:
        """The permissions stored with a credential; a key issued without any is an owner's."""
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


TENANT_KEY = Permissions()
"""A tenant's own key: owner, write, buyer and staff, so every operation is usable (README, decisions)."""


def issue_key(issuer: Issuer, permissions: Permissions = TENANT_KEY, label: str = "Default key") -> str:
    """Make a key for ``issuer``'s tenant, stored hashed by the engine, and return it (shown once)."""
    # Two draws of half the length: the engine's deterministic tokens repeat after 32 characters
    # (engine notes, bluelobster #3), which would show in the default tenant's key.
    half = KEY_LENGTH // 2
    key = issuer.token("", half, ALNUM) + issuer.token("", KEY_LENGTH - half, ALNUM)
    data = {**permissions.as_data(), "partial": partial(key)}
    issuer.credential(key, "api_key", schemes=[SCHEME], label=label, data=data)
    return key


def tenant_credentials(issuer: Issuer) -> dict[str, Any]:
    """What ``POST /_twinstack/tenants`` shows for bluelobster: one key, as CONTRACT.md lists."""
    return {"api_key": issue_key(issuer)}


def partial(key: str) -> str:
    """The key as the task list shows it: its first 8 characters."""
    return key[:PARTIAL_LENGTH]
