"""VPS Backups: answers for a VPS the caller does not have, where the document declares only 200.

Reading the backups, policy or usage of an unknown VPS reports none; setting a
policy on one reports ``ok: false``. Backups of a known VPS are the generic
twin's for now.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine import generic
from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound


def _or(answer: Any) -> Handler:
    async def run(ctx: RequestContext) -> Any:
        try:
            return await generic.handle(ctx)
        except NotFound:
            return answer(str(ctx.path.get("vps_id", "")))

    return run


HANDLERS: dict[str, Handler] = {
    "listVpsBackups": _or(lambda vps_id: {"vps_id": vps_id, "backups": [], "total": 0}),
    "getVpsBackupUsage": _or(lambda vps_id: {"vps_id": vps_id, "total_backups": 0, "total_size_gb": 0.0}),
    "getVpsBackupPolicy": _or(lambda vps_id: {"vps_id": vps_id}),
    "setVpsBackupPolicy": _or(lambda vps_id: {"ok": False, "message": "VPS not found", "vps_id": vps_id}),
}
