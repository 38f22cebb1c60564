"""How tenants and credentials become rows and come back: the column order both SQL stores share."""

from __future__ import annotations

from typing import Any

import orjson

from twinstack.store.base import Credential

def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


CREDENTIAL_COLUMNS = "token_hash, tenant, service, kind, label, scopes, schemes, data, created_at, expires_at, revoked_at"


def copied(c: Credential) -> Credential:
    """A copy a caller may change (``dataclasses.replace`` costs several times more on this path)."""
    return Credential(c.token_hash, c.tenant, c.service, c.kind, c.label, c.scopes, c.schemes, dict(c.data),
                      c.created_at, c.expires_at, c.revoked_at)


def credential_row(c: Credential) -> tuple[Any, ...]:
    return (
        c.token_hash, c.tenant, c.service, c.kind, c.label,
        None if c.scopes is None else dumps(c.scopes), None if c.schemes is None else dumps(c.schemes),
        dumps(c.data), c.created_at, c.expires_at, c.revoked_at,
    )


def credential_from(r: tuple[Any, ...]) -> Credential:
    return Credential(r[0], r[1], r[2], r[3], r[4], loads(r[5]), loads(r[6]), loads(r[7]) or {}, r[8], r[9], r[10])


def tenant_from(r: tuple[Any, ...]) -> dict[str, Any]:
    return {"id": r[0], "name": r[1], "created_at": r[2], "data": loads(r[3]) or {}}
