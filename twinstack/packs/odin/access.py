"""What every ODIN operation checks once the caller is known, before its input is read.

The engine has authenticated the caller and checked the key's scope. Two rules
remain that depend on the request itself: a key restricted to one project may
only reach that project's paths (403 elsewhere, as Cortex answers for any
project the caller cannot access), and a key's ``lastUsedAt`` follows its use.
``authorize`` is the pack's ``Pack.authorize`` hook.
"""

from __future__ import annotations

from twinstack.engine.context import RequestContext
from twinstack.engine.security import Principal
from twinstack.engine.twin import Twin
from twinstack.errors import Forbidden
from twinstack.packs.odin.accounts import API_KEY_KIND, note_key_use
from twinstack.spec.model import Operation
from twinstack.store import Credential


def key_of(principal: Principal | None) -> Credential | None:
    """The API key the caller authenticated with, or None for a JWT or an open operation."""
    if principal is None or principal.kind != API_KEY_KIND:
        return None
    return principal.credential


def api_key_of(ctx: RequestContext) -> Credential | None:
    return key_of(ctx.principal)


def authorize(twin: Twin, principal: Principal | None, operation: Operation, path_params: dict[str, str]) -> None:
    key = key_of(principal)
    if key is None:
        return
    note_key_use(twin, key)
    only = key.data.get("projectId")
    wanted = path_params.get("projectId")
    if only and wanted is not None and wanted != only:
        raise Forbidden("No access to this project", code="project_forbidden", field="projectId")
