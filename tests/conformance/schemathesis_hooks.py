"""Schemathesis extension loaded into the ``st run`` process (``SCHEMATHESIS_HOOKS``).

It registers one check, ``StatusCodeConformanceWithGaps``, which the
conformance run uses in place of the built-in ``status_code_conformance``.
The built-in check fails every status the operation does not declare; this one
also accepts the statuses the contract (``CONTRACT.md``, "Behaviour every
service keeps") obliges a twin to answer where its document forgot them, as
the lead ruled for every pack:

- 401 and 403 on a secured operation that declares no 401 / no 403;
- 404 on an operation with path parameters that declares no 404;
- the API's bad-input statuses (``bad_input_statuses``: the ones its document
  uses elsewhere) on an operation that declares no 400 and no 422;
- ``statuses_without_4xx`` (ODIN: 400, 401, 403, 404, 429) on an operation
  that declares no 4xx response at all.

Every accepted case is a gap of the document, not of the twin: it is appended
once, as a JSON line ``{"operation", "label", "status"}``, to the file named by
the ``record_to`` setting, so the test can print the gap list per service.
Settings come from the ``[checks.StatusCodeConformanceWithGaps]`` table of the
run's config file (Schemathesis passes them to ``__init__``).

It also gives every request that carries a valid ``Idempotency-Key`` a fresh
one, as a real client does for a new request: generation is deterministic and
would otherwise replay one key with different bodies, which an API that honours
the header rightly refuses (Polykomos: 422 ``idempotency_key_reused``). Absent
or malformed keys are left alone, so the negative checks still probe them.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.openapi.checks import UndefinedStatusCode
from schemathesis.specs.openapi.checks import status_code_conformance


def _is_secured(operation: Any) -> bool:
    """True when some security requirement of the operation names a scheme (``{}`` alone means optional)."""
    raw = operation.definition.raw
    requirements = raw.get("security", operation.schema.raw_schema.get("security", []))
    return any(bool(requirement) for requirement in requirements or [])


@schemathesis.check
class StatusCodeConformanceWithGaps:
    """``status_code_conformance`` that accepts, and records, the contract's implied statuses."""

    def __init__(self, record_to: str = "", bad_input_statuses: list[int] | None = None,
                 statuses_without_4xx: list[int] | None = None) -> None:
        self.record_to = Path(record_to) if record_to else None
        self.bad_input_statuses = set(bad_input_statuses or [])
        self.statuses_without_4xx = set(statuses_without_4xx or [])
        self.recorded: set[tuple[str, int]] = set()

    def after_response(self, ctx: Any, response: Any, case: Any) -> bool | None:
        try:
            return status_code_conformance(ctx, response, case)
        except UndefinedStatusCode:
            if not self._is_documented_gap(case.operation, response.status_code):
                raise
            self._record(case.operation, response.status_code)
            return None

    def _is_documented_gap(self, operation: Any, status: int) -> bool:
        declared = {str(code).upper() for code in operation.responses.status_codes}
        if status in (401, 403) and _is_secured(operation):
            return True
        if status == 404 and "{" in operation.path:
            return True
        if status in self.bad_input_statuses and not declared & {"400", "422"}:
            return True
        return status in self.statuses_without_4xx and not any(code.startswith("4") for code in declared)

    def _record(self, operation: Any, status: int) -> None:
        key = (operation.label, status)
        if key in self.recorded or self.record_to is None:
            return
        self.recorded.add(key)
        entry = {"operation": operation.definition.raw.get("operationId") or operation.label,
                 "label": operation.label, "status": status}
        # Appended at once rather than at the end of the run, so a run cut short still reports its gaps.
        with self.record_to.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: Any) -> None:
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    try:
        uuid.UUID(str(key))
    except ValueError:
        return
    headers["Idempotency-Key"] = str(uuid.uuid4())
    case.headers = headers
