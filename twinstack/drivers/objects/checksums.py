"""The digests an object store keeps while bytes stream through: MD5 for ETags, and the S3 checksums.

S3 clients may send a checksum of the payload (``x-amz-checksum-<algorithm>``,
in a header or in the trailer of an ``aws-chunked`` body); the store computes
the same while writing and refuses bytes that disagree. CRC32C and CRC64NVME
come from ``awscrt`` (the AWS common runtime's C implementations), CRC32 from
zlib, SHA-1 and SHA-256 from hashlib; values are base64 of the big-endian
digest, as S3 spells them.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterable
from typing import Any


ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
"""Checksum algorithms S3 accepts, in its spelling."""


class _Crc:
    def __init__(self, algorithm: str) -> None:
        self.algorithm = algorithm
        self.value = 0
        self._crt: Any = None
        if algorithm in ("CRC32C", "CRC64NVME"):
            # The CRT's checksums load a native library: only uploads that ask for these checksums pay for it.
            from awscrt import checksums  # type: ignore[import-untyped]

            self._crt = checksums

    def update(self, chunk: bytes) -> None:
        if self.algorithm == "CRC32":
            self.value = zlib.crc32(chunk, self.value)
        elif self.algorithm == "CRC32C":
            self.value = self._crt.crc32c(chunk, self.value)
        else:
            self.value = self._crt.crc64nvme(chunk, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(8 if self.algorithm == "CRC64NVME" else 4, "big")


def _hasher(algorithm: str) -> _Crc | hashlib._Hash:
    if algorithm in ("SHA1", "SHA256"):
        return hashlib.new(algorithm.lower())
    if algorithm in ALGORITHMS:
        return _Crc(algorithm)
    raise ValueError(f"unknown checksum algorithm {algorithm!r}")


class Digests:
    """MD5, SHA-256 and the asked-for checksums of the bytes fed to ``update``, in one pass."""

    def __init__(self, algorithms: Iterable[str] = ()) -> None:
        self.md5 = hashlib.md5()
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._checks = {a: _hasher(a) for a in dict.fromkeys(algorithms) if a != "SHA256"}

    def update(self, chunk: bytes) -> None:
        self.md5.update(chunk)
        self.sha256.update(chunk)
        for check in self._checks.values():
            check.update(chunk)
        self.size += len(chunk)

    def checksum(self, algorithm: str) -> str:
        """The base64 checksum of everything fed so far."""
        if algorithm == "SHA256":
            return base64.b64encode(self.sha256.digest()).decode()
        return base64.b64encode(self._checks[algorithm].digest()).decode()

    @property
    def algorithms(self) -> tuple[str, ...]:
        return (*self._checks, "SHA256")


def checksum_of(algorithm: str, data: bytes) -> str:
    """The base64 checksum of ``data`` (composite checksums of multipart objects hash their parts' digests)."""
    hasher = _hasher(algorithm)
    hasher.update(data)
    return base64.b64encode(hasher.digest()).decode()


def multipart_etag(part_etags: Iterable[str]) -> str:
    """S3's ETag of a multipart object: MD5 of the parts' binary MD5s, a dash, the number of parts."""
    digests = [bytes.fromhex(e.strip('"')) for e in part_etags]
    return f"{hashlib.md5(b''.join(digests)).hexdigest()}-{len(digests)}"
