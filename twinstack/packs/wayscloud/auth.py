"""Where WAYSCloud reads a credential from, and what each new tenant is issued.

The document's schemes disagree with its clients: ``ServiceAuth``,
``AccountAuth`` and the undefined ``BearerAuth`` are http bearer, ``ApiKeyAuth``
is the ``X-API-Key`` header, and the official SDK sends ``wayscloud_api_*`` keys
as ``X-API-Key`` and everything else as a bearer token, to any operation; with
``WAYSCLOUD_API_KEY`` set it sends both headers. So one resolver serves every
scheme and reads both headers: the one the scheme names first, then the other,
and the first known credential that satisfies the scheme is the caller. Which
scheme a credential satisfies is decided by its kind (see ``keys``), never by
its prefix.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.security import RequestView
from twinstack.engine.tenants import Issuer
from twinstack.packs.wayscloud.keys import issue_tenant_keys
from twinstack.packs.wayscloud.profile import seed_profile
from twinstack.spec.model import SecurityScheme


def extract(view: RequestView, scheme: SecurityScheme) -> tuple[str, ...]:
    """The caller's tokens for any scheme: ``X-API-Key`` and a bearer ``Authorization``, the scheme's own first."""
    key = _api_key(view)
    bearer = _bearer(view)
    found = (key, bearer) if scheme.type == "apiKey" else (bearer, key)
    return tuple(dict.fromkeys(token for token in found if token))


def _api_key(view: RequestView) -> str | None:
    key = view.headers.get("x-api-key")
    return str(key).strip() if key and str(key).strip() else None


def _bearer(view: RequestView) -> str | None:
    auth = view.headers.get("authorization")
    if not auth:
        return None
    kind, _, value = str(auth).partition(" ")
    if kind.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def tenant_credentials(issuer: Issuer) -> dict[str, Any]:
    """``api_key`` (a service key for every service) and ``pat`` (every scope), per CONTRACT.md."""
    return issue_tenant_keys(issuer)


def on_tenant(issuer: Issuer) -> None:
    seed_profile(issuer)
