"""Evaluates an operation's security requirements against the request.

Alternatives are OR-ed, the schemes inside one requirement AND-ed. A token is
looked up by its SHA-256 (credentials are stored hashed) or, when it is a JWT
the twin signed, verified by signature. A credential that is known but lacks
a scope yields 403; anything else that fails yields 401.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt

from twinstack.errors import Forbidden, Unauthorized
from twinstack.spec.model import Operation, SecurityScheme
from twinstack.store import Credential

if TYPE_CHECKING:
    from twinstack.engine.twin import Twin


@dataclass(slots=True)
class Principal:
    tenant: str
    kind: str
    scopes: list[str] | None
    schemes: list[str] | None
    credential: Credential | None = None
    claims: dict[str, Any] = field(default_factory=dict)

    def has_scopes(self, needed: list[str]) -> bool:
        return self.scopes is None or all(s in self.scopes for s in needed)


@dataclass(slots=True)
class RequestView:
    """The parts of a request credential extraction may read."""

    headers: Any
    query: dict[str, str]
    cookies: dict[str, str]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def default_extract(view: RequestView, scheme: SecurityScheme) -> str | None:
    if scheme.type == "apiKey":
        if scheme.location == "query":
            return view.query.get(scheme.param_name)
        if scheme.location == "cookie":
            return view.cookies.get(scheme.param_name)
        value: str | None = view.headers.get(scheme.param_name)
        if value and scheme.param_name.lower() == "authorization" and " " in value:
            return value.split(" ", 1)[1].strip()
        return value
    auth: str | None = view.headers.get("authorization")
    if not auth or " " not in auth:
        return None
    kind, _, value = auth.partition(" ")
    if scheme.scheme == "basic":
        if kind.lower() != "basic":
            return None
        try:
            return base64.b64decode(value.strip()).decode()
        except (ValueError, UnicodeDecodeError):
            return None
    return value.strip() if kind.lower() == "bearer" else None


def candidates(extracted: str | Sequence[str] | None) -> tuple[str, ...]:
    """The tokens an extractor found, in the order to try them (a pack may read several headers)."""
    if not extracted:
        return ()
    if isinstance(extracted, str):
        return (extracted,)
    return tuple(token for token in extracted if token)


_HASHES_KEPT = 10_000


class Authenticator:
    def __init__(self, twin: Twin) -> None:
        self.twin = twin
        self._hashes: dict[str, str] = {}

    def resolve(self, token: str) -> Principal | None:
        store = self.twin.store
        hashed = self._hashes.get(token)
        if hashed is None:
            # Clients send the same few tokens again and again: hash each once.
            if len(self._hashes) >= _HASHES_KEPT:
                self._hashes.clear()
            hashed = self._hashes[token] = token_hash(token)
        cred = store.find_credential(hashed)
        now = self.twin.clock.now()
        if cred is not None:
            if cred.service != self.twin.slug:
                return None
            if cred.revoked_at is not None or (cred.expires_at is not None and cred.expires_at <= now):
                if self.twin.pack.revoked_status == 403:
                    raise Forbidden("The credential is revoked or expired", code="credential_inactive")
                return None
            if cred.kind in ("login", "refresh"):
                return None  # passwords and refresh tokens are not bearer credentials
            return Principal(cred.tenant, cred.kind, cred.scopes, cred.schemes, cred)
        if token.count(".") == 2 and token.startswith("eyJ"):
            claims = self._verify(token, self.twin.jwt_secret()) or self._verify(token, self.twin.jwt_secret(fresh=True))
            if claims is None:
                return None
            if float(claims.get("exp", now + 1)) <= now or claims.get("svc") != self.twin.slug:
                return None
            if claims.get("jti") and store.kv_get(f"revoked-jwt:{self.twin.slug}", str(claims["jti"])):
                return None
            return Principal(str(claims.get("tenant")), "jwt", claims.get("scopes"), claims.get("schemes"), None, claims)
        return None

    @staticmethod
    def _verify(token: str, secret: str) -> dict[str, Any] | None:
        try:
            # Times are checked against the twin clock by the caller: PyJWT's wall-clock checks would refuse a token
            # issued after /_twinstack/clock/advance (its iat "in the future").
            return dict(jwt.decode(token, secret, algorithms=["HS256"],
                                   options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "require": ["sub"]}))
        except jwt.PyJWTError:
            return None

    def authenticate(self, op: Operation, view: RequestView) -> Principal | None:
        """The caller's principal; raises when the operation's requirements are not met."""
        if not op.security:
            return self._optional(view)
        extract = self.twin.pack.extract or default_extract
        lacking_scope = False
        seen_any = False
        cache: dict[str, Principal | None] = {}
        extra_scopes = self.twin.pack.scopes.get(op.operation_id, [])
        missing: list[str] = []
        for requirement in op.security:
            principal: Principal | None = None
            ok = True
            for scheme_name, declared_scopes in requirement.items():
                scopes = [*declared_scopes, *extra_scopes]
                scheme = self.twin.spec.schemes[scheme_name]
                tokens = candidates(extract(view, scheme))
                if not tokens:
                    ok = False
                    break
                seen_any = True
                found = None
                for token in tokens:
                    if token not in cache:
                        cache[token] = self.resolve(token)
                    known = cache[token]
                    if known is not None and (known.schemes is None or scheme_name in known.schemes):
                        found = known
                        break
                if found is None:
                    ok = False
                    break
                if not found.has_scopes(scopes):
                    lacking_scope = True
                    missing = [s for s in scopes if found.scopes is not None and s not in found.scopes]
                    ok = False
                    break
                principal = found
            if ok and principal is not None:
                return principal
        if lacking_scope:
            raise Forbidden(
                f"The credential lacks the scope this operation needs: {', '.join(missing)}",
                code="insufficient_scope", details={"scopes": missing},
            )
        if seen_any:
            raise Unauthorized("Invalid or expired credentials", code="invalid_credentials")
        raise Unauthorized("Missing credentials", code="missing_credentials")

    def _optional(self, view: RequestView) -> Principal | None:
        """On an open operation a credential, if sent, still says who the caller is."""
        extract = self.twin.pack.extract or default_extract
        for scheme in self.twin.spec.schemes.values():
            for token in candidates(extract(view, scheme)):
                found = self.resolve(token)
                if found is not None:
                    return found
        return None
