"""What every new tenant starts with in ODIN Cortex.

The contract gives each tenant ``api_key``, ``email`` and ``password``: one
admin user who can log in (``POST /api/auth/login-credentials``) and one
tenant-wide API key holding all six scopes. Projects cannot be created through
the API (they come from 4Players' payment system), so each tenant also gets
one, "Default Project". The default tenant's values are derived from fixed
material (``Issuer.token``/``Issuer.uuid``), so they are the same everywhere.
"""

from __future__ import annotations

import string
from typing import Any

from twinstack.engine.tenants import Issuer
from twinstack.packs.odin.accounts import add_api_key, projects
from twinstack.packs.odin.auth import KEY_ALPHABET, KEY_LENGTH, KEY_PREFIX, SCOPES

ADMIN_NAME = "Cortex Admin"
DEFAULT_KEY_NAME = "Default key"
DEFAULT_PROJECT_NAME = "Default Project"
_HEX = string.digits + "abcdef"


def tenant_credentials(issuer: Issuer) -> dict[str, Any]:
    """Issue the admin login and the tenant-wide key; return what the tenant is shown."""
    email = f"admin+{issuer.tenant_short}@example.com"
    password = issuer.token("", 20)
    user_id = issuer.uuid()
    issuer.login(email, password, data={"userId": user_id, "name": ADMIN_NAME})
    key = issuer.token(KEY_PREFIX, KEY_LENGTH, KEY_ALPHABET)
    add_api_key(issuer.twin, issuer.tenant, key=key, key_id=issuer.uuid(), name=DEFAULT_KEY_NAME, scopes=list(SCOPES))
    return {"api_key": key, "email": email, "password": password}


def seed_tenant(issuer: Issuer) -> None:
    """The tenant's one project, unconfigured like a real new one (no app settings yet)."""
    twin = issuer.twin
    project_id = issuer.uuid()
    stamp = twin.clock.iso(millis=True)
    record = {
        "id": project_id,
        "name": DEFAULT_PROJECT_NAME,
        "description": "",
        "type": "sdk",
        "appId": issuer.token("", 24, _HEX),
        "secret": issuer.token("", 32),
        "created": stamp,
        "updated": stamp,
        "role": "admin",
        "currentUserRole": "admin",
        "domain": "default-project.odin.4players.io",
        "billingState": "free",
    }
    projects(twin, issuer.tenant).put(project_id, record)
