"""Operation overrides, one module per spec tag, merged into the pack's dispatch table."""

from __future__ import annotations

from twinstack.engine.pack import Handler
from twinstack.packs.g4fagent.handlers import (
    auth_identity,
    core_public,
    notifications_audit_admin,
    projects,
    sessions_messages_runs,
)

HANDLERS: dict[str, Handler] = {
    **core_public.HANDLERS,
    **auth_identity.HANDLERS,
    **projects.HANDLERS,
    **sessions_messages_runs.HANDLERS,
    **notifications_audit_admin.HANDLERS,
}

__all__ = ["HANDLERS"]
