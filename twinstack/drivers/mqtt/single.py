"""One embedded broker among the processes of one ``twinstack serve --workers N``.

Every worker starts the pack's endpoints; only the one holding an exclusive lock on a file under the
data dir (one per port) opens the broker, and the others report the same address. The lock goes with
its process, so a worker that dies frees it (its successor takes the broker on its next start).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class BrokerLock:
    def __init__(self, directory: Path, port: int) -> None:
        self.path = directory / f"mqtt-{port}.lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        """True when this process now holds the broker (never blocks)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
