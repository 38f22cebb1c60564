"""The plain error body, ``{"error": code, "message": text, "field"?: name}``, and how an API names codes.

The engine's default for a document with no pack, and the shape of many
hand-written APIs::

    {"error": "not_found", "message": "No route for GET /nothing"}
    {"error": "validation_error", "message": "body.name: Field required", "field": "body.name"}

``CodeNames`` says what an API calls the errors the engine raises in general
terms (``not_found``, ``bad_request``...): a renamed code, the code of the
operation's own example for the status, or one code per status; any other
code (a pack handler's own) is kept. Styles with a different envelope use it
too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from twinstack.errors import TwinError
from twinstack.spec.model import Operation

ENGINE_CODES = frozenset({
    "bad_request", "validation_error", "missing_credentials", "invalid_credentials", "credential_inactive",
    "unauthorized", "insufficient_scope", "forbidden", "not_found", "method_not_allowed", "conflict",
    "already_exists", "internal_error",
})
"""The codes the engine and the base error classes raise: general terms an API may name better."""

ENGINE_DETAILS = frozenset({"path", "scopes"})
"""``TwinError.details`` the engine adds for a renderer (the unknown path, the missing scopes), not for a body."""


@dataclass(slots=True, frozen=True)
class CodeNames:
    """What an API calls the engine's general error codes, and the fixed messages of its own codes."""

    renamed: Mapping[str, str] = field(default_factory=dict)
    """Engine code -> the API's code, whatever the status (``missing_credentials`` -> ``missing_api_key``)."""
    by_status: Mapping[int, str] = field(default_factory=dict)
    """The code a general error gets by its status, where it is not renamed (``409`` -> ``resource_conflict``)."""
    general: frozenset[str] = ENGINE_CODES
    """The codes that are general terms; any other code was chosen by a pack and is kept."""
    from_examples: bool = False
    """A general error takes the ``error`` code of the operation's own example for the status, if it has one."""
    messages: Mapping[str, str] = field(default_factory=dict)
    """The API's code -> its fixed message, replacing the engine's wording."""

    def code(self, error: TwinError, status: int) -> str:
        code = error.code or ""
        if code in self.renamed:
            return self.renamed[code]
        if code in self.general or not code:
            example = example_code(error.operation, status) if self.from_examples else None
            return example or self.by_status.get(status) or code or "error"
        return code

    def message(self, code: str, error: TwinError) -> str:
        return self.messages.get(code, error.message)


@dataclass(slots=True, frozen=True)
class Plain:
    """The plain style, as an ``ErrorRenderer``."""

    names: CodeNames = CodeNames()
    field: bool = True
    """Carry ``field``, the dotted field at fault (``body.name``), when the error names one."""
    members: bool = False
    """Carry the error's ``details`` as further top-level members (as many APIs' examples do)."""
    request_id_from: int | None = None
    """From this status up, carry ``request_id`` too (e.g. ``500``: a fault the client should report)."""

    def __call__(self, error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None) -> Any:
        code = self.names.code(error, status)
        body: dict[str, Any] = {"error": code, "message": self.names.message(code, error)}
        if self.field and error.field:
            body["field"] = error.field
        if self.members:
            for key, value in error.details.items():
                if key not in body and key not in ENGINE_DETAILS:
                    body[key] = value
        if self.request_id_from is not None and status >= self.request_id_from:
            body.setdefault("request_id", request_id)
        return body


def example_code(operation: Operation | None, status: int) -> str | None:
    """The ``error`` code of the operation's own example for ``status``, if the document gives one."""
    response = operation.response_for(status) if operation is not None else None
    media = response.json_media() if response is not None else None
    example = media.example if media is not None else None
    code = example.get("error") if isinstance(example, dict) else None
    return code if isinstance(code, str) and code else None
