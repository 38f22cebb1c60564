"""A private PostgreSQL cluster that checks passwords, for the tests about passwords.

A development server often trusts loopback logins (``pg_hba.conf`` ``trust``),
and then any password works: rotation and wrong-password refusals cannot be
observed there. When the shared server does that, these tests start a
throwaway cluster from the installed server binaries with
``scram-sha-256`` authentication (about a second), and drop it afterwards.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.drivers.databases.servers import ADMIN_URLS


def shared_server_checks_passwords() -> bool:
    """False when the shared server lets the admin in with a wrong password."""
    try:
        psycopg.connect(ADMIN_URLS["postgres"], password="not-" + secrets.token_hex(8), connect_timeout=3).close()
    except psycopg.OperationalError:
        return True
    return False


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def password_checking_cluster() -> Iterator[str]:
    """Start a cluster in a fresh directory; yield its superuser URL (with password); stop and remove it on exit."""
    bindir = _bindir()
    if bindir is None:
        pytest.skip("the shared PostgreSQL accepts any password and no server binaries are installed to start one")
    as_user: list[str] = []
    owner: tuple[int, int] | None = None
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the packaged server's own account.
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root with no 'postgres' account to start a private PostgreSQL cluster")
        as_user, owner = ["runuser", "-u", "postgres", "--"], (account.pw_uid, account.pw_gid)
    # Not under pytest's tmp_path: its root-only parent directories would shut the server's account out.
    directory = Path(tempfile.mkdtemp(prefix="twt-pg-"))
    try:
        with _running(bindir, directory, as_user, owner) as url:
            yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def _running(bindir: Path, directory: Path, as_user: list[str], owner: tuple[int, int] | None) -> Iterator[str]:
    password = secrets.token_urlsafe(18)
    pwfile = directory / "pw"
    pwfile.write_text(password)
    if owner is not None:
        os.chown(directory, *owner)
        os.chown(pwfile, *owner)
    data, port = directory / "data", _free_port()
    subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "--auth=scram-sha-256", "--username=postgres",
         f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True, timeout=60,
    )
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40"
    subprocess.run(
        [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(directory / "log"), "-w", "start"],
        check=True, capture_output=True, timeout=60,
    )
    try:
        yield f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True, timeout=60,
        )
