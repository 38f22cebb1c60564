"""Tenants and the credentials each service issues them.

The default tenant's tokens are derived from fixed material, so they are the
same on every machine and after ``/_twinstack/reset`` (like LocalStack's
``test``/``test``); every other tenant gets random ones. Tokens are stored
hashed; the tenant record keeps what the tenant is shown.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from twinstack.engine.pack import ALNUM, random_token
from twinstack.engine.security import token_hash
from twinstack.store import Credential

DEFAULT_TENANT = "default"


class Issuer:
    """Handed to a pack's credential plan and tenant seeding."""

    def __init__(self, twin: Any, tenant: str, deterministic: bool) -> None:
        self.twin = twin
        self.spec = twin.spec
        self.tenant = tenant
        self.deterministic = deterministic
        self._n = 0

    @property
    def tenant_short(self) -> str:
        return self.tenant.replace("-", "")[:8]

    @property
    def now(self) -> float:
        return float(self.twin.clock.now())

    def token(self, prefix: str, length: int, alphabet: str = ALNUM) -> str:
        if not self.deterministic:
            return prefix + random_token(length, alphabet)
        self._n += 1
        # As many digest blocks as the length needs, so long tokens never repeat themselves.
        material = b"".join(
            hashlib.sha256(f"twinstack:{self.twin.slug}:{self.tenant}:{self._n}:{block}".encode()).digest()
            for block in range(length // 32 + 1)
        )
        body = "".join(alphabet[b % len(alphabet)] for b in material[:length])
        return prefix + body

    def uuid(self) -> str:
        if not self.deterministic:
            return str(uuid.uuid4())
        self._n += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"twinstack:{self.twin.slug}:{self.tenant}:{self._n}"))

    def credential(
        self,
        token: str,
        kind: str,
        *,
        scopes: list[str] | None = None,
        schemes: list[str] | None = None,
        label: str = "",
        data: dict[str, Any] | None = None,
        expires_at: float | None = None,
    ) -> Credential:
        cred = Credential(
            token_hash(token), self.tenant, self.twin.slug, kind, label, scopes, schemes, data or {}, self.now, expires_at
        )
        self.twin.store.add_credential(cred)
        return cred

    def login(self, email: str, password: str, data: dict[str, Any] | None = None) -> None:
        """A password login the pack's login operation checks with ``check_login``."""
        self.credential(login_key(email, password), "login", data={"email": email, **(data or {})})


def login_key(email: str, password: str) -> str:
    return f"login\0{email.strip().lower()}\0{password}"
