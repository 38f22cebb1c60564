"""Signed outbound webhooks with durable retries, shared by every pack that sends them.

A pack builds one ``Webhooks`` over the runtime's store, clock and scheduler,
``configure``s its service at start, manages endpoints from its handlers and
calls ``emit`` after committing a change; ``verify`` checks a signature the way
a receiver would. See this package's README for the scheme and the wiring.
"""

from twinstack.drivers.webhooks.engine import Webhooks, job_kind
from twinstack.drivers.webhooks.policy import TargetPolicy
from twinstack.drivers.webhooks.records import Attempt, CreatedEndpoint, Delivery, DeliveryPage, Endpoint
from twinstack.drivers.webhooks.settings import DEFAULT_SCHEDULE, WebhookSettings
from twinstack.drivers.webhooks.signing import SignatureError, Signer, new_secret, signature_header, verify

__all__ = [
    "DEFAULT_SCHEDULE",
    "Attempt",
    "CreatedEndpoint",
    "Delivery",
    "DeliveryPage",
    "Endpoint",
    "SignatureError",
    "Signer",
    "TargetPolicy",
    "WebhookSettings",
    "Webhooks",
    "job_kind",
    "new_secret",
    "signature_header",
    "verify",
]
