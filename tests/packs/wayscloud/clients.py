"""The official WAYSCloud clients, pointed at the twin: the SDK (``wayscloud``) and the ``cloud`` CLI.

Both are used unchanged, exactly as a user runs them (versions pinned in
``pyproject.toml``); the fixtures in ``conftest.py`` build them.

- ``sdk_on(client, token=..., api_key=...)`` is a real ``WaysCloudClient``
  whose HTTP connection is the in-process ``client`` (a ``TestClient`` is an
  ``httpx.Client``): every header, path and body is the SDK's own, served with
  strict response validation, re-raised server errors and the no-scan guard.
- ``CloudCLI`` runs the ``cloud`` command as a subprocess with ``HOME`` in a
  temporary directory (``~/.wayscloud/credentials`` lands there) and
  ``WAYSCLOUD_API_URL`` at a live twin's ``/wayscloud`` base; nothing of the
  caller's environment that the CLI reads (``WAYSCLOUD_TOKEN``,
  ``WAYSCLOUD_API_KEY``) leaks in unless a test passes it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from wayscloud import WaysCloudClient

SDK_BASE = "http://testserver/wayscloud"
"""Where the in-process twin serves WAYSCloud (slug prefix on the ``TestClient``'s host)."""

_CLI_ENTRY = "from wayscloud_cli.__main__ import main; main()"


def sdk_on(http: httpx.Client, token: str | None = None, api_key: str | None = None,
           base_url: str = SDK_BASE) -> WaysCloudClient:
    """A ``WaysCloudClient`` as a user builds it, sending its requests through ``http``."""
    sdk = WaysCloudClient(token=token, api_key=api_key, base_url=base_url)
    sdk._http.close()
    sdk._http = http
    return sdk


def _cloud_command() -> list[str]:
    # The console script installed beside this interpreter, else the same entry point run by it.
    script = Path(sys.executable).with_name("cloud")
    return [str(script)] if script.exists() else [sys.executable, "-c", _CLI_ENTRY]


@dataclass(slots=True)
class CloudResult:
    """What one ``cloud`` run left: its exit code and output."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """stdout as JSON (commands run with ``--json``)."""
        return json.loads(self.stdout)

    def error(self) -> dict[str, Any]:
        """The ``--json`` error object the CLI writes to stderr."""
        found: dict[str, Any] = json.loads(self.stderr.strip().splitlines()[-1])
        return found


@dataclass(slots=True)
class CloudCLI:
    """The ``cloud`` command of ``wayscloud-cli`` against a twin, with a home directory of its own."""

    home: Path
    api_url: str
    """``WAYSCLOUD_API_URL``: the live twin's URL + ``/wayscloud``."""
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment for every run (e.g. ``WAYSCLOUD_API_KEY``)."""
    timeout: float = 60.0

    @property
    def credentials_file(self) -> Path:
        return self.home / ".wayscloud" / "credentials"

    def saved(self) -> dict[str, Any] | None:
        """The credentials file ``cloud login`` wrote, or None."""
        if not self.credentials_file.exists():
            return None
        found: dict[str, Any] = json.loads(self.credentials_file.read_text())
        return found

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> CloudResult:
        """``cloud <args>``; ``env`` adds variables for this run only."""
        self.home.mkdir(parents=True, exist_ok=True)
        run_env = {
            key: value for key, value in os.environ.items()
            if not key.startswith("WAYSCLOUD_") and key not in ("HOME", "NO_COLOR")
        }
        run_env.update({"HOME": str(self.home), "WAYSCLOUD_API_URL": self.api_url, "COLUMNS": "200",
                        "PYTHONIOENCODING": "utf-8", **self.env, **(env or {})})
        done = subprocess.run([*_cloud_command(), *args], env=run_env, cwd=self.home, capture_output=True,
                              text=True, timeout=self.timeout, check=False)
        return CloudResult(done.returncode, done.stdout, done.stderr)
