"""The processes the benchmarks measure: the twin, the hand-written baseline and Stoplight Prism.

Each runs on a free loopback port in its own process group, so ``stop`` takes
down whatever it forked; every wait is bounded. Resident memory is read from
``/proc`` (the whole process group, which for the twin with one worker is the
server process alone).

Prism is the npm package pinned in ``bench/prism/package.json``; it is
installed into ``bench/prism/node_modules`` (git-ignored) the first time a run
asks for it, when ``npm`` is on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PACKS = ROOT / "twinstack" / "packs"
BLUELOBSTER_SEED = PACKS / "bluelobster" / "seed" / "bluelobster.openapi.json"
WAYSCLOUD_SEED = PACKS / "wayscloud" / "seed" / "wayscloud.openapi.json"
PRISM_DIR = BENCH / "prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"
START_TIMEOUT = 60.0

Ready = Callable[[httpx.Response], bool]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_average() -> str:
    """The machine's 1-minute load average and CPU count, for a report: other work skews the figures."""
    try:
        one = Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        one = "?"
    return f"load average {one} on {os.cpu_count()} CPUs"


def builtin_slugs() -> list[str]:
    """The packs ``twinstack serve`` mounts when given no ``--services``: one folder each, private ones
    (``_example``, the template a new pack copies) left out."""
    return sorted(p.parent.name for p in PACKS.glob("*/pack.py") if not p.parent.name.startswith("_"))


class Server:
    """A server process on loopback, stopped (process group) on exit whatever happens."""

    def __init__(self, command: list[str], url: str, log: Path) -> None:
        self.url = url
        self.log = log
        with log.open("ab") as out:
            self.started = time.perf_counter()
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                         start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def wait_ready(self, probe: str, headers: dict[str, str] | None = None, *, timeout: float = START_TIMEOUT,
                   interval: float = 0.1, ready: Ready | None = None) -> float:
        """Seconds from process start until ``probe`` answered 200 (and ``ready(response)`` held)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                response = httpx.get(self.url + probe, headers=headers, timeout=2)
                if response.status_code == 200 and (ready is None or ready(response)):
                    return time.perf_counter() - self.started
            except httpx.HTTPError:
                pass
            time.sleep(interval)
        raise RuntimeError(f"server not ready after {timeout:g} s; its log ends: "
                           f"{self.log.read_text(errors='replace')[-2000:]}")

    def rss_mb(self) -> float:
        """Resident memory of the server's process group, in MiB (0 once it has exited)."""
        total_kb = 0
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if os.getpgid(int(proc.name)) != self.proc.pid:
                    continue
                status = (proc / "status").read_text()
            except (OSError, ProcessLookupError):
                continue
            total_kb += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        return total_kb / 1024

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@dataclass(slots=True)
class Twin:
    server: Server
    tenant: str
    credentials: dict[str, dict[str, str]]
    startup_s: float


def twin_command(port: int, data_dir: Path, services: str | None, specs: Sequence[str] = ()) -> list[str]:
    # DNS off, no MQTT broker: the run stays off shared ports; --services None mounts every built-in pack,
    # "" none (a twin of --spec documents only).
    command = [sys.executable, "-m", "twinstack", "serve", "--speed", "instant", "--port", str(port),
               "--data-dir", str(data_dir), "--dns-port", "0"]
    command += ["--services", services] if services is not None else []
    for spec in specs:
        command += ["--spec", spec]
    return command


def spec_argument(document: Path, slug: str) -> str:
    """``PATH:SLUG`` for ``--spec``: a document served by the generic engine alone under ``slug``, as no pack
    has that slug (a built-in seed served this way runs none of its pack's code)."""
    return f"{document}:{slug}"


def all_ready(slugs: list[str]) -> Ready:
    """A readiness check: health lists every one of ``slugs`` as ready."""
    def check(response: httpx.Response) -> bool:
        services = response.json().get("services") or {}
        return all(services.get(slug) == "ready" for slug in slugs)
    return check


def start_twin(workdir: Path, services: str | None = None, *, name: str = "twin",
               specs: Sequence[str] = ()) -> Twin:
    """``twinstack serve`` with a fresh data dir, and a tenant of its own; ``specs`` are ``--spec`` arguments
    (``spec_argument``), each served by the generic engine."""
    port = free_port()
    slugs = [s for s in services.split(",") if s] if services is not None else builtin_slugs()
    slugs += [spec.rpartition(":")[2] for spec in specs]
    server = Server(twin_command(port, workdir / f"{name}-state", services, specs), f"http://127.0.0.1:{port}",
                    workdir / f"{name}.log")
    try:
        startup = server.wait_ready("/_twinstack/health", ready=all_ready(slugs))
        response = httpx.post(server.url + "/_twinstack/tenants", json={"name": "bench"}, timeout=30)
        response.raise_for_status()
    except BaseException:
        server.stop()
        raise
    body = response.json()
    return Twin(server, str(body["id"]), body["credentials"], startup)


def prism_available(install: bool) -> tuple[bool, str]:
    """Whether Prism can run, installing it first when asked and possible; the reason when it cannot."""
    if PRISM_BIN.exists():
        return True, "installed"
    if shutil.which("node") is None or shutil.which("npm") is None:
        return False, "node/npm not on PATH"
    if not install:
        return False, f"not installed in {PRISM_DIR.relative_to(ROOT)} (run without --no-prism-install)"
    print(f"installing @stoplight/prism-cli (pinned in {PRISM_DIR.relative_to(ROOT)}/package.json) ...", flush=True)
    verb = "ci" if (PRISM_DIR / "package-lock.json").exists() else "install"
    try:
        run = subprocess.run(["npm", verb, "--no-audit", "--no-fund", "--loglevel=error"], cwd=PRISM_DIR,
                             capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return False, "npm install timed out after 300 s"
    if run.returncode != 0 or not PRISM_BIN.exists():
        return False, f"npm {verb} failed: {(run.stderr or run.stdout).strip()[-300:]}"
    return True, "installed just now"


def prism_version() -> str:
    lock = json.loads((PRISM_DIR / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"]["node_modules/@stoplight/prism-cli"]["version"])


def start_prism(workdir: Path) -> Server:
    """``prism mock`` on the Blue Lobster seed, logging at warn (as the twin logs at warning)."""
    port = free_port()
    server = Server([str(PRISM_BIN), "mock", str(BLUELOBSTER_SEED), "-p", str(port), "-h", "127.0.0.1",
                     "-v", "warn"], f"http://127.0.0.1:{port}", workdir / "prism.log")
    try:
        # Prism checks the seed's X-API-Key scheme: any key passes, none is a 401.
        server.wait_ready("/api/v1/instances", {"X-API-Key": "bench"})
    except BaseException:
        server.stop()
        raise
    return server
