"""The private MariaDB/MySQL: the machine's own server binaries, run under the data dir.

No wheel ships a MySQL server, so this needs ``mariadbd`` (or ``mysqld``)
installed, e.g. ``apt-get install mariadb-server``; the system's own server
need not run, and is never touched: every command gets ``--no-defaults``, so
nothing of ``/etc/mysql`` applies.

- **Initialised once** with ``mariadb-install-db --auth-root-authentication-method=normal
  --skip-test-db`` (MySQL 8: ``mysqld --initialize-insecure``).
- **Started** with ``--bind-address=127.0.0.1 --port=N --skip-name-resolve``, a
  socket of its own, and an ``--init-file`` that (re)sets the admin login
  ``'twinstack'@'127.0.0.1'`` with every privilege, and gives the root
  accounts the same random password: the file runs before the server accepts
  a connection, so there is no moment with a password-less root on loopback.
- As root, ``--user=root``, which is how mariadbd agrees to run as root.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from twinstack.drivers.databases._private_server import live_pid, run_bounded
from twinstack.drivers.databases.errors import EngineUnavailable
from twinstack.drivers.databases.values import Engine

ADMIN_USER = "twinstack"
SERVER_NAMES = ("mariadbd", "mysqld")
EXTRA_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/libexec", "/usr/local/mysql/bin")
"""Where servers live off an ordinary user's PATH (Debian's /usr/sbin, RHEL's /usr/libexec)."""
INNODB_OPTIONS = ("--innodb-log-file-size=8M", "--innodb-buffer-pool-size=32M")
"""Sized for a twin: 26 MiB on disk after initialisation instead of 114 MiB."""
SOCKET_PATH_MAX = 100
"""A Unix socket path must fit in 108 bytes; deeper data dirs get one under the temp directory."""


def find_server() -> Path | None:
    """``mariadbd`` or ``mysqld`` on PATH, or in the usual sbin directories."""
    search = os.pathsep.join([os.environ.get("PATH", ""), *EXTRA_DIRS])
    for name in SERVER_NAMES:
        found = shutil.which(name, path=search)
        if found is not None:
            return Path(found)
    return None


def find_installer(server: Path) -> Path | None:
    """``mariadb-install-db`` (or ``mysql_install_db``) beside the server or on PATH."""
    search = os.pathsep.join([os.environ.get("PATH", ""), str(server.parent), str(server.parent.parent / "bin"),
                              *EXTRA_DIRS])
    for name in ("mariadb-install-db", "mysql_install_db"):
        found = shutil.which(name, path=search)
        if found is not None:
            return Path(found)
    return None


class MySQLEngine:
    """A private ``mariadbd``/``mysqld`` for :class:`PrivateServer`."""

    engine: Engine = "mysql"
    stop_signals: tuple[tuple[signal.Signals, float], ...] = ((signal.SIGTERM, 30.0), (signal.SIGKILL, 5.0))
    """Normal shutdown (InnoDB flushes), then kill."""

    def __init__(self, server: Path) -> None:
        self.server = server
        self.mariadb = "mariadb" in server.resolve().name
        self.label = f"{'MariaDB' if self.mariadb else 'MySQL'} ({server})"

    def initialised(self, root: Path) -> bool:
        return (root / "data" / "mysql").is_dir()

    def initialise(self, root: Path, password: str, log_file: IO[bytes]) -> None:
        data = root / "data"
        if data.exists():
            shutil.rmtree(data)  # what an interrupted initialisation left
        if self.mariadb:
            installer = find_installer(self.server)
            if installer is None:
                raise EngineUnavailable(f"{self.label}: mariadb-install-db was not found to initialise a data directory")
            command = [str(installer), "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
                       "--skip-test-db", *self._as_root(), *INNODB_OPTIONS]
        else:
            command = [str(self.server), "--no-defaults", "--initialize-insecure", f"--datadir={data}",
                       *self._as_root()]
        run_bounded(command, log_file, f"initialising {self.label}", stdin=subprocess.DEVNULL)

    def launch(self, root: Path, port: int, password: str, log_file: IO[bytes]) -> subprocess.Popen[bytes]:
        init = root / "init.sql"
        descriptor = os.open(init, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(_init_sql(password))
        command = [
            str(self.server), "--no-defaults", f"--datadir={root / 'data'}", f"--port={port}",
            "--bind-address=127.0.0.1", "--skip-name-resolve", f"--socket={socket_path(root)}",
            f"--pid-file={root / 'mysqld.pid'}", f"--init-file={init}", *INNODB_OPTIONS, *self._as_root(),
        ]
        try:
            return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        except OSError as exc:
            raise EngineUnavailable(f"{self.label} could not be started: {exc}") from exc

    def ready(self, root: Path, port: int) -> bool:
        if self.running_pid(root) is None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def running_pid(self, root: Path) -> int | None:
        return live_pid(root / "mysqld.pid", root / "data")

    def admin_url(self, port: int, password: str) -> str:
        return f"mysql://{ADMIN_USER}:{password}@127.0.0.1:{port}/"

    @staticmethod
    def _as_root() -> list[str]:
        return ["--user=root"] if os.geteuid() == 0 else []


def socket_path(root: Path) -> Path:
    """The server's socket: in its directory when the path is short enough, else in the temp directory."""
    inside = root / "mysqld.sock"
    if len(str(inside)) <= SOCKET_PATH_MAX:
        return inside
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"twinstack-mysql-{digest}.sock"


def _init_sql(password: str) -> str:
    """Statements run at every start, before connections are accepted: the admin login and root's password."""
    secret = _quoted(password)
    admin = f"'{ADMIN_USER}'@'127.0.0.1'"
    lines = [
        f"CREATE USER IF NOT EXISTS {admin} IDENTIFIED BY '{secret}';",
        f"ALTER USER {admin} IDENTIFIED BY '{secret}';",
        f"GRANT ALL PRIVILEGES ON *.* TO {admin} WITH GRANT OPTION;",
        *(f"ALTER USER IF EXISTS 'root'@'{host}' IDENTIFIED BY '{secret}';" for host in ("localhost", "127.0.0.1", "::1")),
        # mariadb-install-db also makes root@<this host's name>, which --skip-name-resolve leaves unusable.
        f"DROP USER IF EXISTS 'root'@'{_quoted(socket.gethostname())}';",
    ]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """``text`` for the inside of a single-quoted SQL string."""
    return text.replace("\\", "\\\\").replace("'", "\\'")
