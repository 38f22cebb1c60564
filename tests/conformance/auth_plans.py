"""How the conformance run authenticates to each service, from a fresh tenant's credentials.

Credential names follow ``CONTRACT.md`` (``POST /_twinstack/tenants``):
Blue Lobster ``X-API-Key: <api_key>``; Polykomos ``Authorization: Bearer
<api_key>``; WAYSCloud the PAT, which satisfies every scheme; ODIN
``X-API-Key: <api_key>`` plus, for its bearer-only operations, a JWT from
``POST /api/auth/login-credentials``; G4FAgent a bearer token from
``POST /auth/login``. Logins become Schemathesis *dynamic* auth, so a run that
revokes the token it holds (logout, user changes) logs in again instead of
collecting 401s for the rest of the run.

Credentials are given per security scheme (``[auth.openapi.<scheme>]``), never
as one global header: Schemathesis then knows which header carries the
credential of each operation, and its auth checks (``ignored_auth``,
``missing_required_header``) remove the right one. A global ``Authorization``
would still authenticate a request from which the check removed ``X-API-Key``.

A credential the tenant lacks or a login that fails is not an error of the
harness: it is reported as a problem of the twin, and the run goes on without
that scheme (its operations then answer 401, which the report shows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.conformance.targets import Target


@dataclass(slots=True)
class AuthPlan:
    """The auth part of one run's Schemathesis config, and what went wrong building it."""

    config: dict[str, Any] = field(default_factory=dict)
    """Top-level config tables to merge (``auth``)."""
    summary: list[str] = field(default_factory=list)
    """How each scheme is satisfied, without secrets, for the printed report."""
    problems: list[str] = field(default_factory=list)
    """Contract credentials or logins that were not available."""

    def static(self, scheme: str, kind: str, value: str) -> None:
        """``kind`` is ``api_key`` or ``bearer``: Schemathesis sets it where the operation asks for ``scheme``."""
        self.config.setdefault("auth", {}).setdefault("openapi", {})[scheme] = {kind: value}

    def dynamic(self, scheme: str, path: str, payload: dict[str, str], selector: str) -> None:
        entry = {"path": path, "method": "post", "payload": payload, "extract_selector": selector, "retry_on": [401]}
        self.config.setdefault("auth", {}).setdefault("dynamic", {}).setdefault("openapi", {})[scheme] = entry


def _credential(plan: AuthPlan, slug: str, creds: dict[str, Any], name: str) -> str | None:
    value = creds.get(name)
    if isinstance(value, str) and value:
        return value
    plan.problems.append(f"{slug}: the tenant has no `{name}` credential (CONTRACT.md); got {sorted(creds) or 'none'}")
    return None


def _login(plan: AuthPlan, base_url: str, path: str, payload: dict[str, str], field_name: str) -> bool:
    """Try the login the contract promises; on failure say why (the scheme is then left unset)."""
    try:
        response = httpx.post(base_url + path, json=payload, timeout=30)
    except httpx.HTTPError as exc:
        plan.problems.append(f"login not available: POST {path} failed: {exc}")
        return False
    token = None
    if response.is_success and "json" in response.headers.get("content-type", ""):
        body = response.json()
        token = body.get(field_name) if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        plan.problems.append(f"login not available: POST {path} -> {response.status_code} "
                             f"{response.text[:200]!r} (expected a 2xx JSON body with `{field_name}`)")
        return False
    return True


def _bearer_by_login(plan: AuthPlan, base_url: str, scheme: str, path: str, payload: dict[str, str] | None,
                     field_name: str) -> None:
    """Dynamic auth through the service's login when it works; otherwise the scheme stays unset."""
    if payload is not None and _login(plan, base_url, path, payload, field_name):
        plan.dynamic(scheme, path, payload, "/" + field_name)
        plan.summary.append(f"{scheme}: bearer from POST {path}")
    else:
        plan.summary.append(f"{scheme}: none (its operations will answer 401)")


def _password(plan: AuthPlan, slug: str, creds: dict[str, Any]) -> tuple[str, str] | None:
    email, password = creds.get("email"), creds.get("password")
    if isinstance(email, str) and isinstance(password, str):
        return email, password
    plan.problems.append(f"{slug}: the tenant has no `email`/`password` (CONTRACT.md); got {sorted(creds) or 'none'}")
    return None


def _pat_everywhere(plan: AuthPlan, document: dict[str, Any], pat: str) -> None:
    """WAYSCloud: the PAT in whatever place each scheme names, as the contract says it satisfies them all."""
    schemes = document.get("components", {}).get("securitySchemes", {})
    for name, scheme in schemes.items():
        if scheme.get("type") == "apiKey":
            # The AwsSigV4 scheme is an apiKey named Authorization: it takes the whole header value.
            header = str(scheme.get("name", ""))
            value = f"Bearer {pat}" if header.lower() == "authorization" else pat
            plan.static(name, "api_key", value)
            plan.summary.append(f"{name}: {header}: {value.replace(pat, '<pat>')}")
        elif scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            plan.static(name, "bearer", pat)
            plan.summary.append(f"{name}: Authorization: Bearer <pat>")


def plan_auth(target: Target, document: dict[str, Any], creds: dict[str, Any], base_url: str) -> AuthPlan:
    """Build the auth config for ``target`` from its entry in the tenant's ``credentials``."""
    plan = AuthPlan()
    slug = target.slug
    if slug == "bluelobster":
        if key := _credential(plan, slug, creds, "api_key"):
            plan.static("APIKeyHeader", "api_key", key)
            plan.summary.append("APIKeyHeader: X-API-Key <api_key>")
    elif slug == "polykomos":
        if key := _credential(plan, slug, creds, "api_key"):
            plan.static("BearerApiKey", "bearer", key)
            plan.summary.append("BearerApiKey: Authorization: Bearer <api_key>")
    elif slug == "wayscloud":
        if pat := _credential(plan, slug, creds, "pat"):
            _pat_everywhere(plan, document, pat)
    elif slug == "odin":
        if key := _credential(plan, slug, creds, "api_key"):
            plan.static("api-key", "api_key", key)
            plan.summary.append("api-key: X-API-Key <api_key>")
        login = _password(plan, slug, creds)
        payload = {"email": login[0], "password": login[1]} if login else None
        _bearer_by_login(plan, base_url, "bearer", "/api/auth/login-credentials", payload, "accessToken")
    elif slug == "g4fagent":
        login = _password(plan, slug, creds)
        payload = {"method": "password", "email": login[0], "password": login[1]} if login else None
        _bearer_by_login(plan, base_url, "bearerAuth", "/auth/login", payload, "access_token")
    return plan
