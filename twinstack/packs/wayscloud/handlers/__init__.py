"""Operation overrides of the wayscloud twin, one module per document tag, merged by operationId; their indexes."""

from __future__ import annotations

from twinstack.engine.pack import Handler, PackJob, merge_handlers
from twinstack.packs.wayscloud import apps as app_runtime
from twinstack.packs.wayscloud import contacts as contact_book
from twinstack.packs.wayscloud.handlers import account, databases, dns, ip_intelligence, sms_keywords, vps, vps_backups
from twinstack.packs.wayscloud import gpu_studio as gpu_runtime
from twinstack.packs.wayscloud import speech as speech_runtime
from twinstack.packs.wayscloud.handlers import apps, contacts, gpu_studio, regions, speech

HANDLERS: dict[str, Handler] = merge_handlers(
    account.HANDLERS,
    apps.HANDLERS,
    contacts.HANDLERS,
    databases.HANDLERS,
    dns.HANDLERS,
    gpu_studio.HANDLERS,
    ip_intelligence.HANDLERS,
    regions.HANDLERS,
    sms_keywords.HANDLERS,
    speech.HANDLERS,
    vps.HANDLERS,
    vps_backups.HANDLERS,
)

INDEXES: dict[str, tuple[str, ...]] = {
    **databases.INDEXES,
    **vps.INDEXES,
    **vps_backups.INDEXES,
    **contact_book.INDEXES,
    **app_runtime.INDEXES,
    **gpu_runtime.INDEXES,
    **speech_runtime.INDEXES,
}
"""What the handlers look resources up by, for ``Pack.indexes``."""

JOBS: dict[str, PackJob] = {
    **vps_backups.JOBS,
}
"""Durable jobs of the handlers, by kind, for ``Pack.jobs``."""
