"""G4FAgent's error envelope, and the error its handlers raise.

Every error leaves the twin in the API's one shape (the seed's ``Error`` schema)::

    {"error": {"code": "project_not_found", "message": "...",
               "request_id": "req_<16 hex>", "retryable": false,
               "details": {...}}}

``details`` appears only when there is something to add: the field at fault
on bad input, the request path on an unknown route.

Two kinds of error reach ``render``::

    TwinError                 raised by the engine (routing, auth, parameter and
    │                         body validation, generic handlers): translated here
    │                         into the API's own codes
    └── ApiError              raised by this pack's handlers with the API's own
                              code and status: rendered verbatim
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.error_styles import field_name
from twinstack.errors import (
    Conflict,
    FieldIssue,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    TwinError,
    Unauthorized,
    ValidationFailed,
)

BAD_INPUT_STATUS = 400
"""Every bad input is a 400 in this API; the document declares only ``200`` and ``default``."""


class ApiError(TwinError):
    """An error in the API's own vocabulary (``invalid_credentials``, ``etag_conflict``...)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message, code=code, status=status, field=field, details=details)
        self.retryable = retryable


def invalid_request(message: str, field: str) -> ApiError:
    """The API's answer to a missing or malformed field, naming it."""
    return ApiError(BAD_INPUT_STATUS, "invalid_request", message, field=field, details={"field": field})


def render(error: Any, status: int, request_id: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The ``Pack.errors`` renderer: ``(error, status, request id, declared schema) -> body``."""
    if isinstance(error, ApiError):
        code, message, details = error.code, error.message, dict(error.details)
    elif isinstance(error, ValidationFailed):
        code, message, details = _bad_input(error.issues)
    else:
        code, message, details = _translated(error, status)
    envelope: dict[str, Any] = {
        "code": code,
        "message": message,
        "request_id": request_id,
        "retryable": bool(getattr(error, "retryable", False)),
    }
    if details:
        envelope["details"] = details
    return {"error": envelope}


def _bad_input(issues: list[FieldIssue]) -> tuple[str, str, dict[str, Any]]:
    if not issues:
        return "invalid_request", "Invalid request.", {}
    first = issues[0]
    if first.location == "body" and not first.path:
        # The whole body is at fault: the API's own codes for an absent or non-object body.
        if first.kind == "missing":
            return "missing_body", "Request body is required.", {}
        if first.kind == "json_invalid":
            return "invalid_json", f"Request body is not valid JSON: {first.message}", {}
        if first.kind == "content_type":
            return "invalid_json", first.message, {}
        return "invalid_json", "Request body must be a JSON object.", {}
    field = field_name(first)
    message = f"{field} is required." if first.kind == "missing" else f"{field}: {first.message}"
    return "invalid_request", message, {"field": field, "location": first.location}


def _translated(error: Any, status: int) -> tuple[str, str, dict[str, Any]]:
    details = dict(getattr(error, "details", None) or {})
    message = str(getattr(error, "message", "") or "Error.")
    if isinstance(error, Unauthorized):
        if error.code == "missing_credentials":
            return "unauthorized", "Missing bearer token.", {}
        return "unauthorized", "Invalid or expired access token.", {}
    if isinstance(error, Forbidden):
        return "forbidden", message, details
    if isinstance(error, NotFound):
        field = error.field or ""
        if field.endswith("_id"):
            # A generic handler names the path parameter of the missing resource: project_id -> project_not_found.
            return f"{field.removesuffix('_id')}_not_found", message, details
        return "not_found", message, details
    if isinstance(error, MethodNotAllowed):
        return "method_not_allowed", "Method is not allowed for this path.", details
    if isinstance(error, Conflict):
        return ("conflict" if error.code in ("conflict", "already_exists") else error.code), message, details
    if status >= 500:
        return "internal_error", message, details
    code = str(getattr(error, "code", "") or "invalid_request")
    return ("invalid_request" if code == "bad_request" else code), message, details
