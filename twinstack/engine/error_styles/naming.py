"""What every error style names the same way: the field at fault, the type a schema wanted, a status."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from twinstack.errors import FieldIssue

LOCATIONS = ("body", "query", "path", "header", "cookie")

# Node's reason phrases (what NestJS and Express print) where they differ from Python's.
_PHRASES = {413: "Payload Too Large", 414: "URI Too Long", 416: "Range Not Satisfiable", 422: "Unprocessable Entity"}


def field_name(issue: FieldIssue) -> str:
    """The field as a client names it: ``name``, ``quotas.connection_hard_limit``, ``limit``; the location
    itself (``body``) for the whole of it."""
    if not issue.path:
        return issue.location
    return ".".join(str(p) for p in issue.path)


def client_field(dotted: str) -> str:
    """An engine ``location.path`` field (``TwinError.field``) reduced to the client's name for it."""
    head, _, rest = dotted.partition(".")
    return rest if head in LOCATIONS and rest else dotted


def expected_type(issue: FieldIssue) -> str:
    """The JSON type the schema wanted for a ``type`` issue; the non-null one where it allows null too."""
    types = [str(t) for t in issue.context.get("types") or []]
    wanted = [t for t in types if t != "null"] or types
    return wanted[0] if wanted else "string"


def allowed_values(issue: FieldIssue) -> list[Any] | None:
    """The values an ``enum`` or ``const`` issue allows, if the issue says."""
    if "options" in issue.context:
        return list(issue.context["options"])
    if "expected_value" in issue.context:
        return [issue.context["expected_value"]]
    return None


def reason_phrase(status: int) -> str:
    """The status' reason phrase, as Node (and RFC 9110) words it: ``404`` -> ``Not Found``."""
    if status in _PHRASES:
        return _PHRASES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
