"""Reads one ``st run`` NDJSON event stream into per-operation outcomes, and prints them.

An operation *passes* when Schemathesis tested it (some non-stateful scenario
ran) and no check failed on any request to it, in any phase. Failures are
attributed to the operation the failing request went to, so a stateful step
that breaks ``GET /x/{id}`` counts against that operation, not the link's
source. Server errors are counted over every recorded exchange, leaving out
the 5xx statuses the document declares for a real condition.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conformance.targets import Target


@dataclass(slots=True)
class OperationOutcome:
    label: str
    """Schemathesis' ``METHOD /path``."""
    operation_id: str
    tested: bool = False
    failures: dict[str, str] = field(default_factory=dict)
    """check name -> the first failure's title and first message line."""
    notes: list[str] = field(default_factory=list)
    """Why it was not tested (skip reasons, errors)."""

    @property
    def passed(self) -> bool:
        return self.tested and not self.failures


@dataclass(slots=True)
class ServiceResult:
    slug: str
    operations: dict[str, OperationOutcome]
    server_errors: Counter[tuple[str, int]] = field(default_factory=Counter)
    """(label, status) -> how many 5xx responses the run saw."""
    server_error_examples: dict[tuple[str, int], str] = field(default_factory=dict)
    """(label, status) -> the first such request and reply, to reproduce it."""
    declared_server_errors: int = 0
    """5xx responses the document declares for a real condition (not counted above)."""
    requests: int = 0
    gaps: list[tuple[str, int]] = field(default_factory=list)
    """(operationId, status) the document should declare: accepted, per the contract."""
    auth: str = ""
    """How the run authenticated, without secrets."""
    patched: list[str] = field(default_factory=list)
    """Operations the pack's seed fixes (``patch_document``) change in the document Schemathesis reads."""
    excused: list[str] = field(default_factory=list)
    """Checks disabled on an operation because its document makes them fail (``Target.document_defects``)."""
    problems: list[str] = field(default_factory=list)
    """Harness-level issues: missing credentials, logins, Schemathesis errors, timeouts."""
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    """CPU time of the ``st`` process: comparable across machines and loads, unlike ``seconds``."""

    @property
    def passing(self) -> int:
        return sum(1 for o in self.operations.values() if o.passed)

    @property
    def total_server_errors(self) -> int:
        return sum(self.server_errors.values())


def _short(failure: dict[str, Any], interaction: dict[str, Any] | None) -> str:
    """Title, the message's first two lines, and the request that showed it."""
    lines = [line.strip() for line in str(failure.get("message") or "").splitlines() if line.strip()]
    message = "; ".join(lines[:2])
    detail = f": {message[:200]}" if message else ""
    example = f" | e.g. {_example(interaction)}" if interaction else ""
    return f"{failure.get('title') or failure.get('type')}{detail}{example}"


def _case_label(case: dict[str, Any]) -> str | None:
    value = case.get("value") or {}
    method, path = value.get("method"), value.get("path")
    return f"{method.upper()} {path}" if method and path else None


def _decoded(content: Any) -> str:
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    return "" if content is None else str(content)


def _example(interaction: dict[str, Any]) -> str:
    """``METHOD uri [body ...] -> status 'reply'``, cut short: enough to reproduce with curl."""
    request, response = interaction.get("request") or {}, interaction.get("response") or {}
    body = _decoded(request.get("body"))[:160]
    reply = f"{response.get('status_code')} {_decoded(response.get('content'))[:160]!r}" if response else "no reply"
    return f"{request.get('method')} {request.get('uri')}{f' body {body}' if body else ''} -> {reply}"


class _Reader:
    def __init__(self, target: Target, result: ServiceResult) -> None:
        self.target = target
        self.result = result
        self.ids = {o.label: o.operation_id for o in result.operations.values()}

    def outcome(self, label: str) -> OperationOutcome | None:
        return self.result.operations.get(label)

    def scenario(self, event: dict[str, Any]) -> None:
        recorder = event.get("recorder") or {}
        own = self.outcome(recorder.get("label", ""))
        if own is not None and event.get("phase") != "stateful":
            if event.get("status") in ("success", "failure"):
                own.tested = True
            elif event.get("skip_reason"):
                own.notes.append(f"{event.get('phase')}: skipped: {event['skip_reason']}")
        cases = recorder.get("cases") or {}
        interactions = recorder.get("interactions") or {}
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                failure = (check.get("failure_info") or {}).get("failure") or {}
                label = failure.get("operation") or _case_label(cases.get(case_id) or {}) or recorder.get("label", "")
                outcome = self.outcome(label)
                if outcome is not None:
                    outcome.failures.setdefault(check["name"], _short(failure, interactions.get(case_id)))
        for case_id, interaction in interactions.items():
            self.exchange(_case_label(cases.get(case_id) or {}), interaction)

    def exchange(self, label: str | None, interaction: dict[str, Any]) -> None:
        response = interaction.get("response")
        if not response:
            return
        self.result.requests += 1
        status = int(response.get("status_code", 0))
        if status < 500:
            return
        operation_id = self.ids.get(label or "", "")
        if status in self.target.declared_server_errors.get(operation_id, ()):
            self.result.declared_server_errors += 1
        else:
            key = (label or "?", status)
            self.result.server_errors[key] += 1
            self.result.server_error_examples.setdefault(key, _example(interaction))

    def error(self, event: dict[str, Any]) -> None:
        label = str(event.get("label") or "")
        value = event.get("value") or event.get("exception") or {}
        text = f"{value.get('type', 'error')}: {value.get('message', '')}" if isinstance(value, dict) else str(value)
        outcome = self.outcome(label)
        if outcome is not None:
            outcome.failures.setdefault("schemathesis_error", text.splitlines()[0][:200] if text else "error")
        else:
            self.result.problems.append(f"Schemathesis error ({label or 'run'}): {text[:300]}")


def read_events(target: Target, labels: dict[str, str], ndjson: Path, gaps_file: Path) -> ServiceResult:
    """Build the result of one service's run from its NDJSON report and recorded gaps."""
    result = ServiceResult(target.slug, {label: OperationOutcome(label, op_id) for label, op_id in labels.items()})
    result.excused = [f"{op}: {check} ({why})" for op, (check, why) in sorted(target.document_defects.items())]
    result.excused += [
        f"{op}: positive_data_acceptance accepts {'/'.join(map(str, statuses))} (a rule stated in prose: {rule})"
        for op, (statuses, rule) in sorted(target.prose_rules.items())
    ]
    reader = _Reader(target, result)
    if ndjson.exists():
        with ndjson.open(encoding="utf-8") as events:
            for line in events:
                event = json.loads(line)
                kind, payload = next(iter(event.items()))
                if kind == "ScenarioFinished":
                    reader.scenario(payload)
                elif kind in ("NonFatalError", "FatalError"):
                    reader.error(payload)
    else:
        result.problems.append(f"no Schemathesis report at {ndjson}")
    if gaps_file.exists():
        seen = {(e["operation"], int(e["status"])) for e in map(json.loads, gaps_file.read_text().splitlines()) if e}
        result.gaps = sorted(seen)
    return result


def format_result(result: ServiceResult, floor: int | None = None) -> str:
    """The block printed for one service, and kept in the latest-failures file."""
    total = len(result.operations)
    lines = [f"== {result.slug}: {result.passing}/{total} operations pass all checks"
             f"{f' (floor {floor})' if floor is not None else ''}; {result.total_server_errors} 5xx responses"
             f" ({result.declared_server_errors} declared) in {result.requests} requests; {result.seconds:.0f} s"
             f" (st CPU {result.cpu_seconds:.0f} s)"]
    lines.append(f"   auth: {result.auth or 'none'}")
    lines += [f"   problem: {p}" for p in result.problems]
    if result.patched:
        lines.append(f"   seed fixes of the pack applied to: {', '.join(result.patched)}")
    lines += [f"   excused, a defect of the document: {e}" for e in result.excused]
    if result.server_errors:
        lines.append("   5xx:")
        for (label, status), n in sorted(result.server_errors.items()):
            lines.append(f"     {label} -> {status} x{n}, e.g. {result.server_error_examples.get((label, status), '')}")
    failing = [o for o in result.operations.values() if not o.passed]
    if failing:
        lines.append(f"   failing operations ({len(failing)}):")
    for outcome in sorted(failing, key=lambda o: o.label):
        lines.append(f"     {outcome.operation_id} ({outcome.label})")
        if not outcome.tested and not outcome.failures:
            lines.append(f"       not tested: {'; '.join(dict.fromkeys(outcome.notes)) or 'no scenario ran'}")
        lines += [f"       {check}: {message}" for check, message in sorted(outcome.failures.items())]
    by_operation: dict[str, list[int]] = {}
    for operation, status in result.gaps:
        by_operation.setdefault(operation, []).append(status)
    lines.append(f"   document gaps accepted ({len(result.gaps)} in {len(by_operation)} operations):")
    lines += [f"     {op}: {', '.join(map(str, statuses))}" for op, statuses in sorted(by_operation.items())]
    return "\n".join(lines)
