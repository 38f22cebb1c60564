"""Who may call what, checked after the engine has verified the bearer token.

The engine proves a JWT is genuine and unexpired; this adds what the token
alone cannot say: its user must still exist and be enabled (upstream checks
the same on every request, so disabling a user locks out its tokens at once
and enabling it again lets them back in), and ``/admin/...`` operations need
the ``admin`` role, read from the user record so a role change applies
immediately. Upstream enforces no roles at all; the admin rule is the twin's.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.security import Principal
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent.errors import ApiError
from twinstack.packs.g4fagent.users import ADMIN_ROLE, of_tenant
from twinstack.spec.model import Operation

ADMIN_PREFIX = "/admin/"


def authorize(twin: Twin, principal: Principal | None, op: Operation, path_params: dict[str, str]) -> None:
    """The ``Pack.authorize`` hook: 401 for a gone or disabled user, 403 for a non-admin on admin operations."""
    if principal is None or not op.security:
        return
    subject = principal.claims.get("sub")
    user: dict[str, Any] | None = of_tenant(twin, principal.tenant, str(subject)) if subject else None
    if user is None or user.get("disabled"):
        raise ApiError(401, "unauthorized", "Invalid or expired access token.")
    if op.path.startswith(ADMIN_PREFIX) and ADMIN_ROLE not in (user.get("roles") or []):
        raise ApiError(403, "forbidden", "The admin role is required for user management.")
