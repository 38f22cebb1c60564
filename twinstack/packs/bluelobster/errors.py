"""Blue Lobster's two error bodies, for every failure the twin reports.

(a) Bad input (a ``ValidationFailed``) is FastAPI's: pydantic's
    ``HTTPValidationError``, the document's only error schema, declared on
    every 422 (the engine's ``FastAPI`` style)::

        {"detail": [{"type": "missing", "loc": ["body", "username"], "msg": "Field required",
                     "input": {...}}]}

(b) Everything else is the ad-hoc body of the document's examples (the
    engine's ``Plain`` style)::

        {"error": "instance_not_found", "message": "Instance vm-abc123 not found"}

    with the error's ``details`` as extra top-level members, as the examples
    carry them (``task_id``, ``request_id``, ``available_resources``, and a
    nested ``details`` object when a handler passes ``details={"details": ...}``).
    A 500 also carries ``request_id``. The same body is sent where the
    document declares a status with no content at all (teams, IPs, backups,
    schedules, firewall).

The code of an error the engine raised in general terms (``not_found``,
``internal_error``...) is the one the operation's own example uses for that
status (``instance_not_found`` on ``GET /instances/{id}``, ``task_status_failed``
on a 500 of ``GET /tasks/{id}``), so each operation fails in its own words;
without an example, the status names it. A code a pack handler chose is kept.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.error_styles import CodeNames, FastAPI, Plain
from twinstack.errors import TwinError, ValidationFailed

UNAUTHORIZED_MESSAGE = "Invalid or missing API key"
"""The document's one 401 body, for a missing, unknown or revoked key alike."""

_NAMES = CodeNames(
    by_status={
        400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
        405: "method_not_allowed", 409: "resource_conflict", 422: "invalid_request", 500: "internal_error",
    },
    from_examples=True,
    messages={"unauthorized": UNAUTHORIZED_MESSAGE, "method_not_allowed": "Method Not Allowed"},
)
_BAD_INPUT = FastAPI()
_AD_HOC = Plain(_NAMES, field=False, members=True, request_id_from=500)


def render_error(error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None) -> Any:
    """The pack's ``errors`` hook: ``(error, status, request_id, declared schema) -> body``."""
    if isinstance(error, ValidationFailed) and error.issues:
        return _BAD_INPUT(error, status, request_id, schema)
    return _AD_HOC(error, status, request_id, schema)
