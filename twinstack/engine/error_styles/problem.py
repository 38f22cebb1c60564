"""RFC 9457 problem details: ``{"type", "title", "status", "detail", "instance"?, "errors"?}``.

::

    {"type": "about:blank", "title": "Unprocessable Entity", "status": 422,
     "detail": "body.age: -1 is less than the minimum of 0",
     "errors": [{"detail": "-1 is less than the minimum of 0", "pointer": "#/age"}]}

``type`` is ``about:blank`` (the status says it all, and ``title`` is its
phrase) unless the API names its problem types: then ``type_base`` followed by
the error code. Each bad input of a validation failure is an ``errors`` member
(the extension RFC 9457 shows): a JSON Pointer into the body, or the name of
the parameter or header. ``instance`` is sent when the error carries one in
its ``details``. The body is sent as ``application/problem+json`` where the
document declares that media type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twinstack.engine.error_styles.naming import reason_phrase
from twinstack.errors import FieldIssue, TwinError, ValidationFailed

_PARAMETER_MEMBERS = {"query": "parameter", "path": "parameter", "cookie": "parameter", "header": "header"}


@dataclass(slots=True, frozen=True)
class Problem:
    """The problem-details style, as an ``ErrorRenderer``."""

    type_base: str | None = None
    """Prefix of the problem type URIs (``https://api.example.com/problems/``), each ending in the error
    code; None: every problem is ``about:blank``."""

    def __call__(self, error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None) -> Any:
        body: dict[str, Any] = {
            "type": f"{self.type_base}{error.code}" if self.type_base else "about:blank",
            "title": reason_phrase(status),
            "status": status,
            "detail": error.message,
        }
        instance = error.details.get("instance")
        if isinstance(instance, str):
            body["instance"] = instance
        if isinstance(error, ValidationFailed) and error.issues:
            body["errors"] = [problem_item(issue) for issue in error.issues]
        return body


def problem_item(issue: FieldIssue) -> dict[str, Any]:
    """One bad input: ``{"detail", "pointer"}`` in the body, ``{"detail", "parameter"|"header"}`` elsewhere."""
    if issue.location in _PARAMETER_MEMBERS and issue.path:
        return {"detail": issue.message, _PARAMETER_MEMBERS[issue.location]: str(issue.path[0])}
    return {"detail": issue.message, "pointer": "#" + "".join("/" + _escape(str(p)) for p in issue.path)}


def _escape(token: str) -> str:
    """A JSON Pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")
