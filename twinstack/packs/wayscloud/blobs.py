"""Files the WAYSCloud twin keeps for real (GPU outputs, speech uploads and transcripts), and their signed URLs.

Bytes live under the twin's data dir (``<data dir>/wayscloud-blobs/<tenant>/<key>``),
never in the state store; records keep the key and size. A presigned URL is
the path plus ``expires`` (Unix seconds, twin time) and ``signature``, an
HMAC of both under the twin's secret, so a URL works without credentials
until it expires and cannot be altered.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from twinstack.engine.twin import Twin
from twinstack.errors import Forbidden

_SAFE = re.compile(r"[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*")


@dataclass(frozen=True, slots=True)
class Blobs:
    root: Path

    def _path(self, tenant: str, key: str) -> Path:
        if not _SAFE.fullmatch(key) or ".." in key.split("/"):
            raise ValueError(f"not a blob key: {key!r}")
        return self.root / hashlib.sha256(tenant.encode()).hexdigest()[:16] / key

    def write(self, tenant: str, key: str, data: bytes) -> int:
        path = self._path(tenant, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)
        return len(data)

    def read(self, tenant: str, key: str) -> bytes | None:
        path = self._path(tenant, key)
        return path.read_bytes() if path.is_file() else None

    def exists(self, tenant: str, key: str) -> bool:
        return self._path(tenant, key).is_file()

    def delete(self, tenant: str, key: str) -> None:
        self._path(tenant, key).unlink(missing_ok=True)


def blobs(twin: Twin) -> Blobs:
    data_dir = getattr(twin.settings, "data_dir", None) or Path(".twinstack")
    return Blobs(Path(data_dir).resolve() / "wayscloud-blobs")


def drop_all(twin: Twin) -> None:
    """``Pack.on_reset``: the files of a state being wiped go with it (no record will ever name them again)."""
    shutil.rmtree(blobs(twin).root, ignore_errors=True)


def signature(twin: Twin, path: str, expires: int) -> str:
    secret = twin.jwt_secret().encode()
    return hmac.new(secret, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()[:40]


def presigned(twin: Twin, base_url: str, path: str, ttl: float) -> str:
    """``base_url + path`` signed for ``ttl`` twin-seconds."""
    expires = int(twin.clock.now() + ttl)
    return f"{base_url}{path}?expires={expires}&signature={signature(twin, path, expires)}"


def check_signed(twin: Twin, path: str, expires: int | None, given: str | None) -> None:
    """403 unless ``given`` signs ``path`` until ``expires`` and that time has not passed."""
    if expires is None or not given or not hmac.compare_digest(signature(twin, path, expires).encode(),
                                                                  str(given).encode()):
        raise Forbidden("Signature does not match", details={"detail": "Invalid or missing signature"})
    if expires < twin.clock.now():
        raise Forbidden("URL expired", details={"detail": "Request has expired"})
