"""One ``st run`` (all phases, all checks) against one corpus document served by the generic twin.

The same run as the built-in services' (``tests/conformance/st_run.py``):
the same Schemathesis config, hooks and event reading; only the credentials
differ, since a ``--spec`` service gets one per kind of security scheme.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from tests.conformance.st_config import RunBudget, build_config, write_config
from tests.conformance.st_report import ServiceResult, read_events
from tests.conformance.st_run import HOOKS, _wait, create_tenant, st_command
from tests.conformance.targets import operation_labels
from tests.corpus.documents import CorpusTarget, plan_corpus_auth


def run_document(target: CorpusTarget, server_url: str, workdir: Path, budget: RunBudget,
                 timeout: float) -> ServiceResult:
    """A fresh tenant, one ``st run``; Schemathesis failures are data, only the harness may raise."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    spec, _ = target.served_document()
    auth = plan_corpus_auth(spec, create_tenant(server_url).get(target.slug, {}))
    # Schemathesis reads a JSON copy: YAML parsers disagree on details (dates, bare keys) JSON cannot hold.
    document = workdir / f"{target.slug}.openapi.json"
    document.write_text(json.dumps(spec, default=str), encoding="utf-8")
    gaps, ndjson, log = workdir / "gaps.jsonl", workdir / "events.ndjson", workdir / "st.log"
    for stale in (gaps, ndjson):
        stale.unlink(missing_ok=True)
    config = write_config(workdir / "schemathesis.toml", build_config(target, spec, auth, budget, gaps))
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    problems = list(auth.problems)
    with log.open("wb") as out:
        proc = subprocess.Popen(st_command(config, document, target.base_url(server_url), ndjson), stdout=out,
                                stderr=subprocess.STDOUT, cwd=workdir, env=env)
        code, cpu = _wait(proc, timeout)
    if code is None:
        problems.append(f"st run stopped after {timeout:.0f} s (budget); the figures cover what ran")
    if code not in (0, 1, None):
        problems.append(f"st run exited {code}; log {log}:\n{log.read_text(errors='replace')[-1500:]}")
    result = read_events(target, operation_labels(spec), ndjson, gaps)
    result.problems[:0] = problems
    result.auth = "; ".join(auth.summary)
    result.seconds = time.monotonic() - started
    result.cpu_seconds = cpu
    return result
