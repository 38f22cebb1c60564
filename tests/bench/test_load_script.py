"""The benchmark scripts run end to end in their ``--quick`` modes and report figures.

Only that the scripts work is tested here (every target and scenario measured,
numbers that are numbers); the figures themselves are a benchmark's business
(``bench/README.md``), never a unit test's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("list instances", "launch instance")
FRESH = "list, made afresh"


def run_script(name: str, *args: str, timeout: float = 420) -> tuple[str, Any]:
    out = Path(args[args.index("--json") + 1])
    run = subprocess.run([sys.executable, str(ROOT / "bench" / name), *args], capture_output=True, text=True,
                         timeout=timeout, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout, json.loads(out.read_text())


def test_quick_compare_measures_twin_baseline_prism_and_the_409_path(tmp_path: Path) -> None:
    stdout, figures = run_script("load.py", "--quick", "--compare", "--json", str(tmp_path / "load.json"))
    measured = {(m["target"], m["scenario"]) for m in figures["measurements"]}
    prism_ran = not any(note.startswith("prism: skipped") for note in figures["notes"])
    targets = ("twin", "baseline", "prism") if prism_ran else ("twin", "baseline")
    assert measured == {(t, s) for t in targets for s in SCENARIOS} | {
        ("twin (full)", "launch at capacity (409)"), ("twin (generic)", "generic list"), ("baseline", "generic list"),
        ("twin", FRESH), ("baseline", FRESH), ("baseline (booking)", "launch instance")}
    for m in figures["measurements"]:
        assert m["requests"] > 0 and m["rps"] > 0 and m["p99_ms"] >= m["p50_ms"] > 0, m
    assert all(set(m["statuses"]) == {"200"} for m in figures["measurements"] if "list" in m["scenario"])
    assert set(next(m for m in figures["measurements"] if m["target"] == "twin (full)")["statuses"]) == {"409"}
    assert set(next(m for m in figures["measurements"] if m["target"] == "baseline (booking)")["statuses"]) == {"200"}
    assert set(figures["memory"]) == {*targets, "twin (full)", "twin (generic)", "baseline (booking)"}
    assert all(m["after_start_mb"] > 0 and m["after_load_mb"] > 0 for m in figures["memory"].values())
    assert figures["startup"]["median_s"] > 0 and figures["startup"]["median_rss_mb"] > 0
    assert any(note.startswith("inventory:") for note in figures["notes"])
    assert "ratio, list instances, 4 connections: twin/baseline throughput" in stdout
    assert ("twin/Prism throughput" in stdout) == prism_ran
    assert "ratio, launch instance, 4 connections: twin/baseline (booking)" in stdout


def test_baseline_alone_measures_both_scenarios(tmp_path: Path) -> None:
    _stdout, figures = run_script("load.py", "--quick", "--baseline", "--json", str(tmp_path / "load.json"))
    assert {(m["target"], m["scenario"]) for m in figures["measurements"]} == {("baseline", s) for s in (*SCENARIOS, FRESH)}
    assert figures["startup"] is None


def test_quick_startup_reports_time_and_memory(tmp_path: Path) -> None:
    stdout, figures = run_script("startup.py", "--starts", "1", "--json", str(tmp_path / "startup.json"))
    assert len(figures["seconds"]) == 1 and figures["median_s"] > 0 and figures["median_rss_mb"] > 0
    assert len(figures["services"]) >= 5 and "serving after" in stdout


def test_quick_scaling_reports_every_case_operation_and_size(tmp_path: Path) -> None:
    stdout, figures = run_script("scaling.py", "--quick", "--json", str(tmp_path / "scaling.json"))
    cells = {(f["case"], f["operation"], f["size"]) for f in figures}
    cases = {f["case"] for f in figures}
    assert len(cases) == 6 and len(cells) == 6 * 3 * 2
    assert sum(f["kind"] == "generic list" for f in figures) == 2 * 3 * 2, "two cases served by the generic engine"
    assert all(f["median_ms"] > 0 for f in figures)
    # Each list page holds what was asked for: 50 items, whichever the size.
    assert all(f["items"] == 50 for f in figures if f["operation"] != "read by id"), figures
    assert "first page" in stdout and "ratio" in stdout
