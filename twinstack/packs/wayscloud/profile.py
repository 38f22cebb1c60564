"""The account profile of a tenant: its WAYSCloud customer id, e-mail and names.

Written when the tenant is created, so the default tenant's customer id is the
same on every machine; other services read ``customer_id`` from here (database
names embed its first 8 hex digits).
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.tenants import DEFAULT_TENANT, Issuer
from twinstack.engine.twin import Twin

COLLECTION = "account/profile"
_ID = "me"


def _profile(customer_id: str, tenant: str, created_at: str) -> dict[str, Any]:
    local = "developer" if tenant == DEFAULT_TENANT else f"user-{tenant.replace('-', '')[:8]}"
    first, last = "Twin", "Developer"
    return {
        "customer_id": customer_id,
        "email": f"{local}@example.com",
        "first_name": first,
        "last_name": last,
        # The CLI's `cloud whoami` prints `name`, which the document does not have.
        "name": f"{first} {last}",
        "company": "",
        "customer_type": "private",
        "status": "active",
        "created_at": created_at,
    }


def seed_profile(issuer: Issuer) -> None:
    state = issuer.twin.collection(issuer.tenant, COLLECTION)
    if state.get(_ID) is None:
        state.put(_ID, _profile(issuer.uuid(), issuer.tenant, issuer.twin.clock.iso(issuer.now)))


def account_profile(twin: Twin, tenant: str) -> dict[str, Any]:
    """The tenant's profile; created on first use for tenants older than this pack's seeding."""
    state = twin.collection(tenant, COLLECTION)
    found = state.get(_ID)
    if found is not None:
        return dict(found)
    profile = _profile(str(uuid.uuid4()), tenant, twin.clock.iso())
    # Two first requests racing: the one stored first is the profile.
    return profile if state.insert(_ID, profile) else dict(state.get(_ID) or profile)
