"""Operation overrides of the wayscloud twin, one module per document tag, merged by operationId."""

from __future__ import annotations

from twinstack.engine.pack import Handler
from twinstack.packs.wayscloud.handlers import account, databases, dns, ip_intelligence, sms_keywords, vps_backups

HANDLERS: dict[str, Handler] = {
    **account.HANDLERS,
    **databases.HANDLERS,
    **dns.HANDLERS,
    **ip_intelligence.HANDLERS,
    **sms_keywords.HANDLERS,
    **vps_backups.HANDLERS,
}
