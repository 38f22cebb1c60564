"""FastAPI's error bodies: ``{"detail": [pydantic items]}`` for bad input, ``{"detail": "<text>"}`` otherwise.

A FastAPI service on pydantic 2 answers a request it cannot validate with::

    {"detail": [{"type": "less_than_equal", "loc": ["body", "cores"],
                 "msg": "Input should be less than or equal to 64", "input": 65, "ctx": {"le": 64}}]}

one item per bad field (pydantic stops at a field's first failed constraint),
worded by ``pydantic_words``, and an ``HTTPException`` with
``{"detail": "<message>"}``. Some documents show the items with only ``loc``,
``msg`` and ``type``: ``members`` says which keys each item carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twinstack.engine.error_styles.pydantic_words import CHECK_ORDER, words
from twinstack.errors import FieldIssue, TwinError, ValidationFailed

_JSON_REASONS = (
    ("expected a string key", "Expecting property name enclosed in double quotes"),
    ("after document", "Extra data"),
)
"""orjson's wording of a JSON fault, and Python's (which FastAPI reports); anything else is "Expecting value"."""


@dataclass(slots=True, frozen=True)
class FastAPI:
    """The FastAPI style, as an ``ErrorRenderer``; ``detail`` and ``item`` for packs that word the rest."""

    members: tuple[str, ...] = ("type", "loc", "msg", "input", "ctx")
    """The keys of each ``detail`` item, in this order (``ctx`` only where pydantic gives one)."""
    enum_type: str = "literal_error"
    """pydantic's type for a value outside an enum: ``literal_error`` (a ``Literal``) or ``enum`` (an ``Enum``)."""

    def __call__(self, error: TwinError, status: int, request_id: str, schema: dict[str, Any] | None) -> Any:
        if isinstance(error, ValidationFailed) and error.issues:
            return {"detail": self.detail(error.issues)}
        return {"detail": error.message}

    def detail(self, issues: list[FieldIssue]) -> list[dict[str, Any]]:
        """The items for the bad inputs, in the order they were found, one per field.

        A field breaking several constraints (an empty username is too short *and*
        off-pattern) gets the item pydantic checks first. An absent body is one
        ``["body"]`` item in FastAPI, where the engine may list every required
        field it lacks.
        """
        chosen: dict[tuple[str | int, ...], FieldIssue] = {}
        for issue in issues:
            if _names_absent_body(issue):
                issue = FieldIssue("body", (), "Field required", "missing")
            where = (issue.location, *issue.path)
            kept = chosen.get(where)
            if kept is None or _rank(issue.kind) < _rank(kept.kind):
                chosen[where] = issue
        return [self.item(issue) for issue in chosen.values()]

    def item(self, issue: FieldIssue) -> dict[str, Any]:
        """One pydantic ``ValidationError`` item, with the keys of ``members``."""
        if issue.kind == "json_invalid":
            full = _json_invalid(issue)
        else:
            kind, msg, ctx = words(issue, self.enum_type)
            full = {"type": kind, "loc": [issue.location, *issue.path], "msg": msg, "input": _input(issue)}
            if ctx is not None:
                full["ctx"] = ctx
        return {key: full[key] for key in self.members if key in full}


def _input(issue: FieldIssue) -> Any:
    """What pydantic shows as ``input``: for a missing field the object it is missing from, if there was one."""
    if issue.kind == "missing":
        return issue.value if issue.location == "body" and issue.path else None
    if issue.kind == "content_type":
        return None
    return issue.value


def _json_invalid(issue: FieldIssue) -> dict[str, Any]:
    """FastAPI's answer to a body that is not JSON, worded as Python's ``json`` module words it.

    ``loc`` ends with the character position of the fault, as the engine found it.
    """
    position = issue.context.get("pos", 0)
    reason = next((said for cause, said in _JSON_REASONS if cause in issue.message), "Expecting value")
    return {"type": "json_invalid", "loc": ["body", position], "msg": "JSON decode error", "input": {},
            "ctx": {"error": reason}}


def _names_absent_body(issue: FieldIssue) -> bool:
    """A ``missing`` field of a body that was not sent at all (there was no object to miss it from)."""
    if issue.location != "body" or issue.kind != "missing" or not issue.path:
        return False
    return issue.value is None or bool(issue.context.get("body_absent"))


def _rank(kind: str) -> int:
    return CHECK_ORDER.index(kind) if kind in CHECK_ORDER else len(CHECK_ORDER)
