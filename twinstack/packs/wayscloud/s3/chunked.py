"""``aws-chunked`` request bodies, decoded as they arrive: ``<hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n``
chunks, a zero-size chunk, then trailers (``x-amz-checksum-crc32:<base64>``) and an empty line.

Recent boto3 sends every upload so (``STREAMING-UNSIGNED-PAYLOAD-TRAILER``, with
its checksum in the trailer); SDKs that sign the payload send
``STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]``, each chunk signed with the
previous chunk's signature, which is checked here before the chunk's bytes
are handed on.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from twinstack.packs.wayscloud.s3.errors import S3Error

MAX_CHUNK = 64 << 20
"""A chunk's declared size above this is refused (a signed chunk is held whole until its signature is checked)."""
_MAX_LINE = 4096

ChunkSigner = Callable[[str, str], str]
"""``(previous signature, sha256 hex of the chunk's data) -> signature``."""


def _bad(message: str) -> S3Error:
    return S3Error("IncompleteBody", f"The request body is not valid aws-chunked encoding: {message}")


class ChunkedDecoder:
    """Feed the raw body; get the payload's bytes back, piece by piece."""

    def __init__(self, signer: ChunkSigner | None = None, seed_signature: str = "") -> None:
        self.signer = signer
        self.previous = seed_signature
        self.buffer = bytearray()
        self.state = "size"
        self.left = 0
        self.chunk_signature = ""
        self.held = bytearray()
        self.trailers: dict[str, str] = {}
        self.done = False

    def _line(self) -> str | None:
        end = self.buffer.find(b"\r\n")
        if end < 0:
            if len(self.buffer) > _MAX_LINE:
                raise _bad("a line is too long")
            return None
        line = bytes(self.buffer[:end]).decode("latin-1")
        del self.buffer[: end + 2]
        return line

    def _check_chunk(self, data: bytes) -> None:
        if self.signer is None:
            return
        expected = self.signer(self.previous, hashlib.sha256(data).hexdigest())
        if not hmac.compare_digest(expected, self.chunk_signature):
            raise S3Error("SignatureDoesNotMatch", "The chunk signature does not match.", 403)
        self.previous = expected

    def feed(self, raw: bytes) -> list[bytes]:
        """The payload bytes ``raw`` completes (signed chunks come out whole, once checked)."""
        if self.done:
            if raw.strip():
                raise _bad("bytes after the end")
            return []
        self.buffer += raw
        out: list[bytes] = []
        while True:
            if self.state == "size":
                line = self._line()
                if line is None:
                    return out
                size_text, _, extension = line.partition(";")
                try:
                    self.left = int(size_text.strip(), 16)
                except ValueError:
                    raise _bad(f"chunk size {size_text!r}") from None
                if self.left > MAX_CHUNK:
                    raise _bad("a chunk is too large")
                name, _, value = extension.partition("=")
                self.chunk_signature = value.strip() if name.strip() == "chunk-signature" else ""
                if self.signer is not None and not self.chunk_signature:
                    raise S3Error("SignatureDoesNotMatch", "A chunk carries no signature.", 403)
                if self.left == 0:
                    self._check_chunk(b"")
                    self.state = "trailers"
                else:
                    self.state = "data"
            elif self.state == "data":
                if not self.buffer:
                    return out
                take = bytes(self.buffer[: self.left])
                del self.buffer[: len(take)]
                self.left -= len(take)
                if self.signer is None:
                    out.append(take)
                else:
                    self.held += take
                if self.left == 0:
                    if self.signer is not None:
                        data = bytes(self.held)
                        self.held.clear()
                        self._check_chunk(data)
                        out.append(data)
                    self.state = "crlf"
            elif self.state == "crlf":
                if len(self.buffer) < 2:
                    return out
                if bytes(self.buffer[:2]) != b"\r\n":
                    raise _bad("a chunk does not end with CRLF")
                del self.buffer[:2]
                self.state = "size"
            else:
                line = self._line()
                if line is None:
                    return out
                if not line:
                    self.done = True
                    return out
                name, _, value = line.partition(":")
                self.trailers[name.strip().lower()] = value.strip()

    def finish(self) -> None:
        """The body ended: refuse it unless the last chunk and the trailers were all there."""
        if self.state == "trailers" and not self.buffer:
            self.done = True
        if not self.done:
            raise _bad("the body ended early")
