"""WAYSCloud's outbound HTTP callbacks (SMS status callbacks, keyword webhooks), sent by the shared webhook engine.

The document gives a URL per message (``callback_url``) or per keyword
(``webhook_url``), not subscriptions. Each distinct URL of a tenant becomes one
endpoint of the engine's service ``wayscloud-sms``, subscribed to the event
types under its own key (``<key>.*``; the key is a hash of the URL), so an
event reaches exactly the URL it was meant for, signed, logged and retried on
the twin clock like every engine delivery. The body is WAYSCloud's own
document (no envelope); the ``WAYSCloud-Event`` header carries the event type
after the key (``cb0123abcd4567ef.sms.status``).

The engine is built once per server process, at start (``ON_START`` of the SMS
handlers), so retries pending at a restart resume at once.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from twinstack.drivers.webhooks import WebhookSettings, Webhooks
from twinstack.engine.twin import Twin

log = logging.getLogger("twinstack.wayscloud.hooks")

SERVICE = "wayscloud-sms"
"""The engine service the callbacks are kept under (endpoints, delivery log, job kind)."""
ENDPOINTS = "sms/callback-endpoints"
"""A tenant's URL key -> ``{"endpoint_id", "url"}``."""
_SETTINGS = WebhookSettings(header_prefix="WAYSCloud", ids="uuid", user_agent="WAYSCloud-Webhooks/1.0")
def engine(twin: Twin) -> Webhooks:
    """The process's engine for these callbacks (made and configured on first use, kept on the twin)."""
    found = twin.memo.get(SERVICE)
    if not isinstance(found, Webhooks):
        found = Webhooks(twin.store, twin.clock, twin.scheduler)
        found.configure(SERVICE, _SETTINGS)
        twin.memo[SERVICE] = found
    return found


def resume(twin: Twin) -> None:
    """At start: the engine configured, so the delivery retries a restart left pending run when due."""
    engine(twin)


def url_key(url: str) -> str:
    return "cb" + hashlib.sha256(url.encode()).hexdigest()[:16]


def _endpoint_for(twin: Twin, tenant: str, url: str) -> str:
    key = url_key(url)
    book = twin.collection(tenant, ENDPOINTS)
    known = book.get(key)
    if known is not None:
        return key
    hooks = engine(twin)
    created = hooks.create_endpoint(SERVICE, tenant, url, [f"{key}.*"], metadata={"url": url})
    if not book.insert(key, {"endpoint_id": created.endpoint.id, "url": url}):
        # Another request made one for this URL at the same moment: keep one endpoint.
        hooks.revoke_endpoint(SERVICE, tenant, created.endpoint.id)
    return key


def post(twin: Twin, tenant: str, url: str, event: str, body: dict[str, Any]) -> None:
    """POST ``body`` to ``url`` (through the engine, after the caller's write); never raises."""
    try:
        key = _endpoint_for(twin, tenant, url)
        engine(twin).emit(SERVICE, tenant, f"{key}.{event}", body, body=body)
    except Exception:
        # The change being reported is already made; a callback that cannot be queued must not undo it.
        log.exception("could not queue the %s callback to %s", event, url)
