"""Start-up benchmark: how long ``twinstack serve`` takes to serve every built-in seed, and its memory then.

Each start is ``twinstack serve --speed instant`` with no ``--services`` (all
built-in packs), a fresh data dir and a free loopback port. The time runs from
the process start until ``GET /_twinstack/health`` lists every pack as ready
(polled every 10 ms); the resident memory (``/proc``) is read at that moment.
The median of ``--starts`` starts is reported; each server is stopped before
the next starts.

Before the first start the package's bytecode is compiled (``compileall``), as
an installed package has it: without it every start compiles some 450 modules
first (about a second on this machine), which a checkout pays only once unless
``PYTHONDONTWRITEBYTECODE`` is set, as it is in some CI images. The report says
whether it was.

    python bench/startup.py             # 5 starts
    python bench/startup.py --starts 9 --json startup.json
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from servers import ROOT, Server, all_ready, builtin_slugs, free_port, load_average, twin_command

TARGET_S = 1.5
"""Issue 7: all five seeds loaded and serving in under 1.5 s."""


@dataclass(slots=True)
class Startup:
    services: list[str]
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    load: str = ""
    """The machine's load average once the starts were done."""
    bytecode: str = ""
    """How the package's bytecode was there for the starts."""

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds) if self.seconds else 0.0

    @property
    def median_rss_mb(self) -> float:
        return statistics.median(self.rss_mb) if self.rss_mb else 0.0


def ensure_bytecode() -> str:
    """Compile the package's bytecode, as installing it would; what the starts ran with, for the report."""
    compiled = compileall.compile_dir(str(ROOT / "twinstack"), quiet=1, workers=1)
    forbidden = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    state = "compiled first (compileall)" if compiled else "compileall failed: starts compile what lacks it"
    return state + ("; PYTHONDONTWRITEBYTECODE is set here, so nothing else would have written it" if forbidden else "")


def measure_startup(starts: int, workdir: Path) -> Startup:
    slugs = builtin_slugs()
    result = Startup(slugs, bytecode=ensure_bytecode())
    for n in range(starts):
        port = free_port()
        server = Server(twin_command(port, workdir / f"start-{n}", None), f"http://127.0.0.1:{port}",
                        workdir / f"start-{n}.log")
        try:
            result.seconds.append(server.wait_ready("/_twinstack/health", interval=0.01, ready=all_ready(slugs)))
            result.rss_mb.append(server.rss_mb())
        finally:
            server.stop()
    result.load = load_average()
    return result


def report(s: Startup) -> str:
    verdict = "within" if s.median_s < TARGET_S else "OVER"
    return "\n".join([
        f"start-up, all {len(s.services)} built-in seeds ({', '.join(s.services)}), median of {len(s.seconds)}:",
        f"  serving after {s.median_s:.2f} s (runs: {', '.join(f'{x:.2f}' for x in s.seconds)});"
        f" {verdict} the {TARGET_S:g} s target",
        f"  resident memory once serving: {s.median_rss_mb:.0f} MiB ({s.load})",
        f"  bytecode: {s.bytecode}",
    ])


def as_json(s: Startup) -> dict[str, object]:
    return asdict(s) | {"median_s": s.median_s, "median_rss_mb": s.median_rss_mb}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="twinstack start-up time and memory (loopback only, bounded).")
    parser.add_argument("--starts", type=int, default=5, help="starts to take the median of (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="twinstack-startup-") as tmp:
        result = measure_startup(max(1, args.starts), Path(tmp))
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(as_json(result), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
