"""Runs ``st run`` (the Schemathesis CLI, all phases, all checks) against one service of a live server.

The CLI in a subprocess is the most faithful "all checks" run: examples,
coverage, fuzzing and stateful phases exactly as a user would run them. The
only departure is ``status_code_conformance``, replaced by the gap-aware check
in ``schemathesis_hooks.py``; its NDJSON event stream is read back by
``st_report``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conformance.auth_plans import plan_auth
from tests.conformance.st_config import RunBudget, build_config, write_config
from tests.conformance.st_report import ServiceResult, read_events
from tests.conformance.targets import Target, operation_labels

HOOKS = Path(__file__).with_name("schemathesis_hooks.py")


def create_tenant(server_url: str) -> dict[str, dict[str, object]]:
    response = httpx.post(server_url + "/_twinstack/tenants", json={"name": "conformance"}, timeout=30)
    response.raise_for_status()
    return dict(response.json().get("credentials") or {})


def st_command(config: Path, document: Path, base_url: str, ndjson: Path) -> list[str]:
    return [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", str(document),
        "--url", base_url,
        "--report", "ndjson", "--report-ndjson-path", str(ndjson), "--no-color",
    ]


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int | None, float]:
    """Exit code (None when stopped at ``timeout``) and CPU seconds of this one child.

    ``os.wait4`` gives the child's own resource usage, which ``RUSAGE_CHILDREN`` cannot when several
    runs share the process.
    """
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -signal.SIGKILL
            return None, usage.ru_utime + usage.ru_stime
        time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime


def run_service(target: Target, server_url: str, workdir: Path, budget: RunBudget, timeout: float) -> ServiceResult:
    """One fresh tenant, one ``st run``; Schemathesis failures are data, only the harness may raise."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    base_url = target.base_url(server_url)
    spec, patched = target.served_document()
    auth = plan_auth(target, spec, create_tenant(server_url).get(target.slug, {}), base_url)
    document = workdir / f"{target.slug}.openapi.json"
    document.write_text(json.dumps(spec), encoding="utf-8")
    gaps, ndjson, log = workdir / "gaps.jsonl", workdir / "events.ndjson", workdir / "st.log"
    for stale in (gaps, ndjson):
        stale.unlink(missing_ok=True)
    config = write_config(workdir / "schemathesis.toml", build_config(target, spec, auth, budget, gaps))
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    problems = list(auth.problems)
    with log.open("wb") as out:
        proc = subprocess.Popen(st_command(config, document, base_url, ndjson), stdout=out, stderr=subprocess.STDOUT,
                                cwd=workdir, env=env)
        code, cpu = _wait(proc, timeout)
    if code is None:
        problems.append(f"st run stopped after {timeout:.0f} s (budget); the figures cover what ran")
    if code not in (0, 1, None):
        tail = log.read_text(errors="replace")[-1500:]
        problems.append(f"st run exited {code}; log {log}:\n{tail}")
    result = read_events(target, operation_labels(spec), ndjson, gaps)
    result.problems[:0] = problems
    result.patched = patched
    result.auth = "; ".join(auth.summary)
    result.seconds = time.monotonic() - started
    result.cpu_seconds = cpu
    return result
