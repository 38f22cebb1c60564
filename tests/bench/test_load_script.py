"""``bench/load.py --quick`` runs end to end and reports figures for both targets.

Only that the script works is tested here; the figures themselves are a
benchmark's business (``bench/README.md``), never a unit test's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_load_run_reports_both_scenarios_for_twin_and_baseline(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "load.py"), "--quick", "--compare", "--json", str(out)],
                         capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    measurements = json.loads(out.read_text())
    assert {(m["target"], m["scenario"]) for m in measurements} == {
        (target, scenario) for target in ("twin", "baseline") for scenario in ("list instances", "launch instance")}
    for m in measurements:
        assert m["requests"] > 0 and m["rps"] > 0 and m["p99_ms"] >= m["p50_ms"] > 0, m
    listing = [m for m in measurements if m["scenario"] == "list instances"]
    assert all(set(m["statuses"]) == {"200"} for m in listing), listing
    assert "ratio twin/baseline, list instances" in run.stdout
