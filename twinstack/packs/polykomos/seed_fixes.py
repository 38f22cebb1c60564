"""Work-arounds for defects of the seed, applied at start to the engine's copy of the document.

The seed file itself stays exactly as published; each fix names the place in
the document it changes and why.
"""

from __future__ import annotations

from typing import Any

IDEMPOTENCY_REF = "#/components/parameters/IdempotencyKey"

TOLERATED_IDEMPOTENCY = (
    ("/api/v1/databases/{uuid}", "delete"),
    ("/api/v1/webhook_endpoints/{id}", "delete"),
)
"""deleteDatabase and revokeWebhookEndpoint: ``Idempotency-Key`` is required, but no
400/422 is declared to report its absence, and the API accepts the request without it."""


def patch_document(doc: dict[str, Any]) -> None:
    """Make ``Idempotency-Key`` optional on the two operations that tolerate its absence.

    The parameter is a shared ``$ref`` (``#/components/parameters/IdempotencyKey``),
    so those two operations get an inline copy with ``required: false``; a key
    that is sent must still be a UUID.
    """
    shared = doc["components"]["parameters"]["IdempotencyKey"]
    for path, method in TOLERATED_IDEMPOTENCY:
        operation = doc["paths"][path][method]
        operation["parameters"] = [
            {**shared, "required": False} if param.get("$ref") == IDEMPOTENCY_REF else param
            for param in operation.get("parameters", [])
        ]
