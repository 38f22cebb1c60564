"""What each tenant gets: its own administrator, shown to it as ``email`` and ``password``.

The default tenant uses upstream's defaults (``admin@g4fagent.local`` /
``admin``, and the API key ``dev-api-key`` for ``{"method": "api_key"}``
logins), so copy-pasted upstream examples work against the twin. Every other
tenant gets a unique e-mail and a random password; the e-mail also tells the
login endpoint which tenant a user belongs to.
"""

from __future__ import annotations

from twinstack.engine.tenants import DEFAULT_TENANT, Issuer
from twinstack.packs.g4fagent import users

DEFAULT_EMAIL = "admin@g4fagent.local"
DEFAULT_PASSWORD = "admin"
DEFAULT_API_KEY = "dev-api-key"
API_KEY_KIND = "api_key"
ADMIN_ROLES = ["admin", "developer"]


def issue(issuer: Issuer) -> dict[str, str]:
    """The ``Pack.credentials`` plan: seed the tenant's admin and return its login."""
    if issuer.tenant == DEFAULT_TENANT:
        email, password = DEFAULT_EMAIL, DEFAULT_PASSWORD
    else:
        email, password = f"admin+{issuer.tenant_short}@g4fagent.local", issuer.token("", 20)
    users.add(issuer, user_id=users.ADMIN_ID, name="Admin", email=email, roles=ADMIN_ROLES, password=password)
    if issuer.tenant == DEFAULT_TENANT:
        # Upstream's API key only logs in (POST /auth/login); it is no bearer token, so it satisfies no scheme.
        issuer.credential(DEFAULT_API_KEY, API_KEY_KIND, schemes=[], label="dev API key", data={"user_id": users.ADMIN_ID})
    return {"email": email, "password": password}
