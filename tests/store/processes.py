"""Processes started together on one state, for the tests of what racing processes do."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Sequence


def run_together(script: str, argvs: Sequence[Sequence[str]], timeout: float = 240) -> list[str]:
    """Run ``script`` once per argument list, all released at once; their outputs (each must exit 0).

    The script prints ``ready`` once set up and waits for a line on stdin:
    every process has imported and opened everything before any is told to
    go, so what they do next really overlaps.
    """
    procs = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *argv],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for argv in argvs
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
    outputs = [p.communicate(timeout=timeout)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), outputs
    return outputs
