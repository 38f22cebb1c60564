"""Chunked uploads and the files they make: bytes kept for real under the data dir.

Layout: ``<data dir>/g4fagent-files/<tenant key>/uploads/<file id>`` (the bytes)
and ``.../artifacts/<artifact id>`` (``artifacts``); ``<tenant key>`` is a hash
of the tenant id, so tenants never share a folder and no id becomes a path
unchecked. Records keep sizes, ranges and digests, never bytes.

``POST /uploads {filename, content_type, size_bytes}`` makes the upload and its
file record at once. Each ``PUT``/``POST /uploads/{id}`` writes bytes:

- with ``Content-Range: bytes a-b/total``, that chunk at offset ``a``. Chunks may
  come in any order; ``total`` must be the declared ``size_bytes``, the body
  exactly ``b - a + 1`` bytes, ``b`` inside the file, and bytes already received
  must be sent again unchanged (an overlap that differs is refused, the file
  left as it was);
- without it, the body is the whole file and must have ``size_bytes`` bytes
  (upstream's "last call wins" replaces the file).

The received ranges are kept merged in the upload record; once they cover the
whole file the upload is complete, the file's SHA-256 is computed from disk and
``size_bytes`` set. Writes hold a lock file per upload, so two workers writing
chunks of one upload never interleave their checks.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent.errors import invalid_request

ROOT_NAME = "g4fagent-files"
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
"""``max_upload_size_bytes`` of ``/capabilities``."""
READ_BLOCK = 1024 * 1024
_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SAFE_ID = re.compile(r"^[a-z]+_[0-9a-f]{16}$")

Ranges = list[list[int]]
"""Merged, sorted ``[start, end)`` byte ranges."""


def root_of(twin: Twin) -> Path:
    data_dir = getattr(twin.settings, "data_dir", None) or Path(".twinstack")
    return Path(data_dir).resolve() / ROOT_NAME


def blob_path(twin: Twin, tenant: str, kind: str, rid: str) -> Path:
    """Where the bytes of an upload's file or an artifact live."""
    if kind not in ("uploads", "artifacts") or not _SAFE_ID.fullmatch(rid):
        raise ValueError(f"not a blob: {kind}/{rid}")
    return root_of(twin) / hashlib.sha256(tenant.encode()).hexdigest()[:16] / kind / rid


def drop_all(twin: Twin) -> None:
    """``ON_RESET``: the bytes of a state being wiped go with it."""
    shutil.rmtree(root_of(twin), ignore_errors=True)


def safe_filename(name: str) -> str:
    """The stored filename: runs of characters outside ``[A-Za-z0-9._-]`` become ``_``; never empty or dots."""
    cleaned = _UNSAFE.sub("_", name).strip("_")
    return cleaned if cleaned.strip(".") else "file"


def size_of(value: Any) -> int:
    """``size_bytes`` of a create: a whole number of bytes (a number or its text), within the upload limit."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise invalid_request("size_bytes must be a whole number of bytes (0 or more).", "size_bytes")
    if value > MAX_UPLOAD_BYTES:
        raise invalid_request(f"size_bytes exceeds max_upload_size_bytes ({MAX_UPLOAD_BYTES}).", "size_bytes")
    return value


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(READ_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Exclusive use of one blob across server processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def create_blob(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def chunk_range(header: str | None, size: int, length: int) -> tuple[int, int] | None:
    """``(start, end)`` (end exclusive) of a ``Content-Range`` chunk, checked against the upload; None: no header."""
    if header is None or not header.strip():
        return None
    found = _RANGE.match(header)
    if found is None:
        raise invalid_request("Content-Range must be 'bytes <first>-<last>/<total>'.", "Content-Range")
    first, last, total = int(found[1]), int(found[2]), found[3]
    if total != "*" and int(total) != size:
        raise invalid_request(f"Content-Range total {total} is not the upload's size_bytes ({size}).", "Content-Range")
    if last < first:
        raise invalid_request("Content-Range last byte comes before its first.", "Content-Range")
    if last >= size:
        raise invalid_request(f"Content-Range ends past the upload's size_bytes ({size}).", "Content-Range")
    if last - first + 1 != length:
        raise invalid_request(f"The body has {length} bytes but Content-Range names {last - first + 1}.", "Content-Range")
    return first, last + 1


def merged(ranges: Ranges, start: int, end: int) -> Ranges:
    out: Ranges = []
    for a, b in sorted([*ranges, [start, end]]):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def overlaps(ranges: Ranges, start: int, end: int) -> list[tuple[int, int]]:
    return [(max(a, start), min(b, end)) for a, b in ranges if a < end and b > start]


def write_chunk(path: Path, ranges: Ranges, start: int, data: bytes) -> Ranges:
    """Write ``data`` at ``start`` unless it contradicts bytes already received; the new ranges."""
    end = start + len(data)
    with open(path, "r+b") as handle:
        for a, b in overlaps(ranges, start, end):
            handle.seek(a)
            if handle.read(b - a) != data[a - start:b - start]:
                raise invalid_request(f"Content-Range: bytes {a}-{b - 1} were already received with other content.",
                                      "Content-Range")
        handle.seek(start)
        handle.write(data)
    return merged(ranges, start, end)


def write_whole(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def received(ranges: Ranges) -> int:
    return sum(b - a for a, b in ranges)
