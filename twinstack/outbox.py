"""What the twins "sent" to the outside world, kept for tests to read.

Shared by packs, the engine and drivers: it needs only a store and the clock.
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.store import Store
from twinstack.time.clock import Clock


def send(
    store: Store, clock: Clock, *, service: str, tenant: str, channel: str, recipient: str, body: str,
    sender: str = "", subject: str = "", metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    message = {
        "id": str(uuid.uuid4()), "service": service, "tenant": tenant, "channel": channel, "sender": sender,
        "recipient": recipient, "subject": subject, "body": body, "created_at": clock.iso(millis=True),
        "metadata": metadata or {},
    }
    store.add_message(message)
    return message
