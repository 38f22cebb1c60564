"""Operation overrides, one module per spec tag, merged into the pack's dispatch table, and the indexes they use."""

from __future__ import annotations

from twinstack.engine.pack import Handler, merge_handlers
from twinstack.packs.g4fagent.audit import EVENTS
from twinstack.packs.g4fagent.handlers import (
    auth_identity,
    core_public,
    notifications_audit_admin,
    projects,
    sessions_messages_runs,
)
from twinstack.packs.g4fagent.users import USERS

HANDLERS: dict[str, Handler] = merge_handlers(
    core_public.HANDLERS,
    auth_identity.HANDLERS,
    projects.HANDLERS,
    sessions_messages_runs.HANDLERS,
    notifications_audit_admin.HANDLERS,
)

INDEXES: dict[str, tuple[str, ...]] = dict(
    family.index() for family in (projects.PROJECTS, projects.SESSIONS, USERS, EVENTS)
)
"""What the handlers look resources up by, for ``Pack.indexes``."""

__all__ = ["HANDLERS", "INDEXES"]
