"""The ``schemathesis.toml`` of one conformance run, written per service.

Settings that shape the run (budget, determinism, which checks) live here in
one place; ``RunBudget`` is the knob to turn when the run gets too slow or too
shallow. The file is plain TOML written by a small emitter, since the standard
library only reads TOML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conformance.auth_plans import AuthPlan
from tests.conformance.targets import Target, bad_input_statuses

POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
"""Schemathesis' own default for the check; an operation's prose rules add to it, never replace it."""

GAP_CHECK = "StatusCodeConformanceWithGaps"
"""The check (``schemathesis_hooks.py``) that replaces ``status_code_conformance``."""


@dataclass(frozen=True, slots=True)
class RunBudget:
    """How much Schemathesis does per service; all four phases always run."""

    max_examples: int = 5
    """Test cases per operation in the fuzzing phase (examples and coverage are bounded by the document)."""
    stateful_max_steps: int = 6
    workers: int = 1
    """Threads in one ``st`` process. More buys nothing (generation is CPU-bound under the GIL) and, on
    CPython 3.11, concurrent regex/AST compilation in Schemathesis can fail with ``SystemError``."""
    shrink: bool = False
    """Shrinking failing cases is the most expensive part of a run with many failures; reports stay readable without."""
    request_timeout: float = 10.0


def build_config(target: Target, document: dict[str, Any], auth: AuthPlan, budget: RunBudget,
                 gaps_file: Path) -> dict[str, Any]:
    config: dict[str, Any] = {
        "workers": budget.workers,
        "request-timeout": budget.request_timeout,
        # The example database would carry failures from one run into the next; runs must be reproducible.
        "generation": {"deterministic": True, "max-examples": budget.max_examples, "database": "none",
                       "no-shrink": not budget.shrink},
        "phases": {"stateful": {"max-steps": budget.stateful_max_steps}},
        # Schemathesis' cache would carry what one run learnt into the next.
        "cache": {"enabled": False},
        # Every check runs (Schemathesis' default); ``--checks`` on the command line would override the
        # per-operation settings below, so the selection lives here.
        "checks": {"status_code_conformance": {"enabled": False},
                   GAP_CHECK: {"record_to": str(gaps_file), "bad_input_statuses": bad_input_statuses(document),
                               "statuses_without_4xx": list(target.statuses_without_4xx)}},
        **auth.config,
    }
    operations = []
    for operation_id, statuses in sorted(target.declared_server_errors.items()):
        allowed = ["2xx", "3xx", "4xx", *(str(s) for s in statuses)]
        operations.append({"include-operation-id": operation_id,
                           "checks": {"not_a_server_error": {"expected-statuses": allowed}}})
    for operation_id, (statuses, _rule) in sorted(target.prose_rules.items()):
        accepted = [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, *(str(s) for s in statuses)]
        operations.append({"include-operation-id": operation_id,
                           "checks": {"positive_data_acceptance": {"expected-statuses": accepted}}})
    for operation_id, (check, _why) in sorted(target.document_defects.items()):
        operations.append({"include-operation-id": operation_id, "checks": {check: {"enabled": False}}})
    if operations:
        config["operations"] = operations
    return config


def write_config(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(to_toml(config), encoding="utf-8")
    return path


def _key(key: str) -> str:
    return key if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # A JSON string with no "\/" escapes is a valid TOML basic string.
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def to_toml(config: dict[str, Any], prefix: str = "") -> str:
    """Scalars first, then sub-tables, then arrays of tables (TOML's ordering rule)."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in config.items():
        name = f"{prefix}.{_key(key)}" if prefix else _key(key)
        if isinstance(value, dict):
            tables.append((name, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((name, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for name, table in tables:
        # A table holding only tables needs no header of its own.
        header = any(not isinstance(v, dict) for v in table.values())
        out += (f"\n[{name}]\n" if header else "") + to_toml(table, name)
    for name, items in arrays:
        for item in items:
            out += f"\n[[{name}]]\n" + "".join(f"{_key(k)} = {_value(v)}\n" for k, v in item.items())
    return out
