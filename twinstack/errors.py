"""The project's two error families.

Request-time errors are raised by the engine and by packs, and rendered at the
edge into the service's own error shape::

    TwinError                  code, message, field at fault, status hint
    ├── ValidationFailed       one or more bad inputs (400/422 by the operation)
    ├── Unauthorized           missing or unknown credential (401)
    ├── Forbidden              credential valid, permission missing (403)
    ├── NotFound               no such resource for this tenant (404)
    ├── MethodNotAllowed       path known, method not (405, carries Allow)
    └── Conflict               state or uniqueness conflict (409)

Start-up errors point into the document that caused them::

    StartupError               bad spec, bad pack, bad option; never reaches a client
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class FieldIssue:
    """One bad input: where it is, what is wrong, and a machine-readable kind."""

    location: str
    """``body``, ``query``, ``path``, ``header`` or ``cookie``."""
    path: tuple[str | int, ...]
    """Field path below the location; for parameters, the parameter name first."""
    message: str
    kind: str = "invalid"
    """A short error type: ``missing``, ``type``, ``enum``, ``less_than_equal``..."""
    value: Any = None
    context: dict[str, Any] = field(default_factory=dict)
    """The violated constraint, e.g. ``{"limit": 64}``, ``{"pattern": "..."}``, ``{"types": [...]}``."""

    @property
    def dotted(self) -> str:
        return ".".join(str(p) for p in (self.location, *self.path))


class TwinError(Exception):
    """A request-time error the edge renders in the service's own shape."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field
        self.details = details or {}
        self.headers = headers or {}
        self.operation: Any = None
        """The operation being served when the error is rendered (None outside any operation)."""
        self.original_status: int | None = None
        """Set when the operation does not declare ``status`` and a pack's ``status_fallbacks`` chose another."""


class ValidationFailed(TwinError):
    status = 422
    code = "validation_error"

    def __init__(self, issues: list[FieldIssue], message: str | None = None) -> None:
        first = issues[0] if issues else None
        msg = message or (f"{first.dotted}: {first.message}" if first else "Invalid request")
        super().__init__(msg, field=first.dotted if first else None)
        self.issues = issues


class Unauthorized(TwinError):
    status = 401
    code = "unauthorized"


class Forbidden(TwinError):
    status = 403
    code = "forbidden"


class NotFound(TwinError):
    status = 404
    code = "not_found"


class MethodNotAllowed(TwinError):
    status = 405
    code = "method_not_allowed"


class Conflict(TwinError):
    status = 409
    code = "conflict"


@dataclass(slots=True)
class StartupError(Exception):
    """A document or pack that cannot be served; names the place in the document."""

    message: str
    source: str = ""
    pointer: str = ""
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = f"{self.source}#{self.pointer}" if self.pointer else self.source
        return f"{where}: {self.message}" if where else self.message


__all__ = [
    "Conflict",
    "FieldIssue",
    "Forbidden",
    "MethodNotAllowed",
    "NotFound",
    "StartupError",
    "TwinError",
    "Unauthorized",
    "ValidationFailed",
]
