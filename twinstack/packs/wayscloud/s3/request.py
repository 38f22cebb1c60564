"""One S3 request on the raw HTTP mount: where it points, who signed it, its body as it arrives, the answer.

Bodies are never read whole except the small XML documents some operations
take; an upload's bytes go from ``receive`` through the ``aws-chunked``
decoder (when the client used it) straight into the object driver's writer.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from twinstack.drivers.objects import ALGORITHMS, ObjectCatalog, PendingWrite
from twinstack.engine.twin import Twin
from twinstack.packs.wayscloud.s3 import sigv4
from twinstack.packs.wayscloud.s3.chunked import ChunkedDecoder
from twinstack.packs.wayscloud.s3.errors import S3Error
from twinstack.packs.wayscloud.s3.xml import MAX_XML_BODY, document, error_document

VIRTUAL_HOST = ".storage.wayscloud.services"


@dataclass(slots=True)
class ChunkedDecoderHolder:
    """Where a body's ``aws-chunked`` decoder is kept, for its trailers once the body has been read."""

    decoder: ChunkedDecoder | None = None


@dataclass(slots=True)
class S3Request:
    twin: Twin
    scope: dict[str, Any]
    receive: Any
    send: Any
    catalog: ObjectCatalog
    method: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]
    header_list: list[tuple[str, str]]
    bucket: str
    key: str
    query: dict[str, str] = field(default_factory=dict)
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16].upper())
    tenant: str | None = None
    only_bucket: str | None = None
    """A bucket key's bucket: the only one its requests may touch."""
    signed: sigv4.Signed | None = None
    signing_key: bytes | None = None
    started: bool = False
    body_done: bool = False

    @classmethod
    def parse(cls, twin: Twin, scope: dict[str, Any], receive: Any, send: Any, rest: str,
              catalog: ObjectCatalog) -> S3Request:
        header_list = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        headers: dict[str, str] = {}
        for name, value in header_list:
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        raw_query = scope.get("query_string", b"").decode("latin-1")
        query: dict[str, str] = {}
        for item in raw_query.split("&"):
            if item:
                name, _, value = item.partition("=")
                query.setdefault(unquote(name), unquote(value.replace("+", " ")))
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?", 1)[0]
        host = headers.get("host", "").split(":")[0].lower()
        if host.endswith(VIRTUAL_HOST) and not scope["path"].startswith("/wayscloud-s3"):
            bucket, key = host[: -len(VIRTUAL_HOST)], rest[1:]
        else:
            bucket, _, key = rest.lstrip("/").partition("/") if rest.startswith("/") else ("", "", "")
        return cls(twin, scope, receive, send, catalog, scope["method"], raw_path, raw_query, headers, header_list,
                   bucket, key, query)

    @property
    def resource(self) -> str:
        return f"/{self.bucket}/{self.key}" if self.key else f"/{self.bucket}" if self.bucket else "/"

    # -- answers --------------------------------------------------------------------------
    async def start(self, status: int, headers: dict[str, str], length: int | None) -> None:
        await self.drain()
        raw = [(b"x-amz-request-id", self.request_id.encode()), (b"server", b"WAYSCloudS3")]
        if length is not None:
            raw.append((b"content-length", str(length).encode()))
        raw += [(k.lower().encode(), v.encode("latin-1", "replace")) for k, v in headers.items()]
        self.started = True
        await self.send({"type": "http.response.start", "status": status, "headers": raw})

    async def reply(self, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        await self.start(status, headers or {}, len(body))
        await self.send({"type": "http.response.body", "body": b"" if self.method == "HEAD" else body})

    async def reply_xml(self, root: ET.Element, status: int = 200, headers: dict[str, str] | None = None) -> None:
        await self.reply(status, document(root), {"content-type": "application/xml", **(headers or {})})

    async def reply_error(self, error: S3Error) -> None:
        body = error_document(error, self.resource, self.request_id)
        await self.reply(error.status, body, {"content-type": "application/xml"})

    async def reply_stream(self, status: int, headers: dict[str, str], length: int, chunks: Iterator[bytes]) -> None:
        await self.start(status, headers, length)
        if self.method != "HEAD":
            for chunk in chunks:
                await self.send({"type": "http.response.body", "body": chunk, "more_body": True})
        await self.send({"type": "http.response.body", "body": b""})

    # -- bodies ---------------------------------------------------------------------------
    async def raw_body(self) -> AsyncIterator[bytes]:
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise S3Error("IncompleteBody", "The client went away before the body ended.")
            chunk = message.get("body", b"")
            if not message.get("more_body", False):
                self.body_done = True
            if chunk:
                yield chunk
            if self.body_done:
                return

    async def drain(self) -> None:
        """Read what is left of the body, so that the connection can carry the client's next request."""
        if self.body_done:
            return
        try:
            async for _ in self.raw_body():
                pass
        except S3Error:
            pass

    async def small_body(self, limit: int = MAX_XML_BODY) -> bytes:
        out = bytearray()
        async for chunk in self.payload_pieces(ChunkedDecoderHolder()):
            out += chunk
            if len(out) > limit:
                raise S3Error("MaxMessageLengthExceeded", "Your request was too big.")
        return bytes(out)

    def _decoder(self) -> ChunkedDecoder | None:
        payload = self.headers.get("x-amz-content-sha256", "")
        encoding = self.headers.get("content-encoding", "")
        if not payload.startswith("STREAMING-") and "aws-chunked" not in encoding:
            return None
        if payload.startswith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") and self.signed and self.signing_key:
            signed, key = self.signed, self.signing_key
            return ChunkedDecoder(lambda prev, digest: sigv4.chunk_signature(key, signed, prev, digest),
                                  signed.signature)
        return ChunkedDecoder()

    async def payload_pieces(self, holder: ChunkedDecoderHolder) -> AsyncIterator[bytes]:
        """The payload's bytes as they arrive (``aws-chunked`` decoded); ``holder`` keeps the trailers."""
        decoder = self._decoder()
        holder.decoder = decoder
        async for raw in self.raw_body():
            if decoder is None:
                yield raw
            else:
                for piece in decoder.feed(raw):
                    yield piece
        if decoder is not None:
            decoder.finish()

    def checksum_algorithms(self, default: str | None = None) -> tuple[str, ...]:
        """The checksums the client names (in headers, or as trailers to come), and ``default``."""
        named = [default] if default else []
        chosen = self.headers.get("x-amz-sdk-checksum-algorithm") or self.headers.get("x-amz-checksum-algorithm")
        if chosen:
            named.append(chosen.upper())
        for header in [*self.headers, *self.headers.get("x-amz-trailer", "").split(",")]:
            header = header.strip().lower()
            if header.startswith("x-amz-checksum-") and header not in ("x-amz-checksum-algorithm",
                                                                       "x-amz-checksum-type", "x-amz-checksum-mode"):
                named.append(header.removeprefix("x-amz-checksum-").upper())
        unknown = [a for a in named if a not in ALGORITHMS]
        if unknown:
            raise S3Error("InvalidRequest", f"Checksum algorithm {unknown[0]} is not supported; use one of "
                          f"{', '.join(ALGORITHMS)}.")
        return tuple(dict.fromkeys(named))

    async def receive_into(self, pending: PendingWrite, algorithms: tuple[str, ...]) -> None:
        """Stream the payload into ``pending`` and check it against everything the client declared."""
        holder = ChunkedDecoderHolder()
        try:
            async for piece in self.payload_pieces(holder):
                pending.write(piece)
            self._verify(pending, algorithms, holder)
            # fsync (or the PostgreSQL commit) of a big object takes a while: off the event loop.
            await asyncio.to_thread(pending.commit)
        except BaseException:
            pending.writer.discard()
            raise

    def _verify(self, pending: PendingWrite, algorithms: tuple[str, ...], holder: ChunkedDecoderHolder) -> None:
        digests = pending.digests
        declared = self.headers.get("x-amz-content-sha256", "")
        if len(declared) == 64 and declared != digests.sha256.hexdigest():
            raise S3Error("XAmzContentSHA256Mismatch",
                          "The provided 'x-amz-content-sha256' header does not match what was computed.")
        length = self.headers.get("x-amz-decoded-content-length")
        if holder.decoder is not None and length is not None and length.isdigit() and int(length) != digests.size:
            raise S3Error("IncompleteBody", "You did not provide the number of bytes specified by the "
                          "x-amz-decoded-content-length header.")
        md5 = self.headers.get("content-md5")
        if md5 is not None and md5 != base64.b64encode(digests.md5.digest()).decode():
            raise S3Error("BadDigest", "The Content-MD5 you specified did not match what we received.")
        trailers = holder.decoder.trailers if holder.decoder is not None else {}
        for algorithm in algorithms:
            name = f"x-amz-checksum-{algorithm.lower()}"
            given = self.headers.get(name) or trailers.get(name)
            if given is not None and given != digests.checksum(algorithm):
                raise S3Error("BadDigest", f"The {algorithm} you specified did not match the calculated checksum.")

