"""Blue Lobster's two error bodies, for every failure the twin reports.

(a) Bad input (a ``ValidationFailed``) is pydantic's ``HTTPValidationError``, the
    document's only error schema, declared on every 422::

        {"detail": [{"type": "missing", "loc": ["body", "username"], "msg": "Field required",
                     "input": {...}}]}

(b) Everything else is the ad-hoc body of the document's examples::

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
on a 500 of ``GET /tasks/{id}``), so each operation fails in its own words.
A code a pack handler chose is kept as it is.
"""

from __future__ import annotations

from typing import Any

from twinstack.errors import FieldIssue, TwinError, ValidationFailed
from twinstack.packs.bluelobster.pydantic_shape import pydantic_error

UNAUTHORIZED_MESSAGE = "Invalid or missing API key"
"""The document's one 401 body, for a missing, unknown or revoked key alike."""

GENERIC_CODES = frozenset({
    "bad_request", "validation_error", "missing_credentials", "invalid_credentials", "credential_inactive",
    "unauthorized", "insufficient_scope", "forbidden", "not_found", "method_not_allowed", "conflict",
    "already_exists", "internal_error",
})
"""Codes the engine raises in general terms; the operation's example (or the status) names them better."""

# What the status says, for a generic error on an operation whose document gives no example code.
_BY_STATUS: dict[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "resource_conflict",
    422: "invalid_request",
    500: "internal_error",
}

# Messages that replace the engine's wording where the API has its own.
_MESSAGES: dict[str, str] = {
    "unauthorized": UNAUTHORIZED_MESSAGE,
    "method_not_allowed": "Method Not Allowed",
}

# The order in which pydantic checks a field's constraints; it reports only the first that fails.
_PYDANTIC_ORDER = (
    "missing", "json_invalid", "content_type", "type", "string_too_short", "string_too_long",
    "string_pattern_mismatch", "multiple_of", "less_than_equal", "less_than", "greater_than_equal", "greater_than",
    "too_short", "too_long", "format", "enum", "const",
)

# Route-level details the engine adds that Blue Lobster's bodies never carry.
_ENGINE_DETAILS = frozenset({"path", "scopes"})


def render_error(error: Any, status: int, request_id: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The pack's ``errors`` hook: ``(error, status, request_id, declared schema) -> body``."""
    if isinstance(error, ValidationFailed) and error.issues:
        return {"detail": validation_detail(error.issues)}
    return plain_body(error, status, request_id)


def validation_detail(issues: list[FieldIssue]) -> list[dict[str, Any]]:
    """pydantic's ``ValidationError`` items for the bad inputs, in the order they were found.

    pydantic stops at the first failed constraint of a field, so a field breaking
    several (an empty username is too short *and* off-pattern) gets one item,
    the one pydantic checks first. An absent body is one ``["body"]`` item in
    FastAPI, where the engine may list every required field it lacks.
    """
    chosen: dict[tuple[str | int, ...], FieldIssue] = {}
    for issue in issues:
        if _names_absent_body(issue):
            issue = FieldIssue("body", (), "Field required", "missing")
        where = (issue.location, *issue.path)
        kept = chosen.get(where)
        if kept is None or _checked_before(issue, kept):
            chosen[where] = issue
    return [pydantic_error(issue) for issue in chosen.values()]


def plain_body(error: TwinError, status: int, request_id: str) -> dict[str, Any]:
    """Shape (b): ``{"error": code, "message": ...}`` plus the error's extra members."""
    code = error.code
    if code in GENERIC_CODES or not code:
        code = example_code(error.operation, status) or _BY_STATUS.get(status, "error")
    body: dict[str, Any] = {"error": code, "message": _MESSAGES.get(code, error.message)}
    for key, value in error.details.items():
        if key not in body and key not in _ENGINE_DETAILS:
            body[key] = value
    if status >= 500:
        body.setdefault("request_id", request_id)
    return body


def example_code(operation: Any, status: int) -> str | None:
    """The ``error`` code of the operation's own example for ``status``, if the document gives one."""
    response = operation.response_for(status) if operation is not None else None
    media = response.json_media() if response is not None else None
    example = media.example if media is not None else None
    code = example.get("error") if isinstance(example, dict) else None
    return code if isinstance(code, str) and code else None


def _names_absent_body(issue: FieldIssue) -> bool:
    """A ``missing`` field of a body that was not sent at all (there was no object to miss it from)."""
    if issue.location != "body" or issue.kind != "missing" or not issue.path:
        return False
    return issue.value is None or bool(issue.context.get("body_absent"))


def _checked_before(issue: FieldIssue, other: FieldIssue) -> bool:
    """True when pydantic checks ``issue``'s constraint before ``other``'s."""
    def rank(kind: str) -> int:
        return _PYDANTIC_ORDER.index(kind) if kind in _PYDANTIC_ORDER else len(_PYDANTIC_ORDER)

    return rank(issue.kind) < rank(other.kind)
