"""S3 object operations: PutObject, GetObject (ranges, conditions), HeadObject, DeleteObject, DeleteObjects,
CopyObject.

An object keeps its content type, ``x-amz-meta-*`` metadata and the standard
representation headers it was put with, its ETag (MD5 of its bytes, or the
multipart form) and the checksums the client sent with it; GET and HEAD
give them back, checksums only when asked (``x-amz-checksum-mode: ENABLED``).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import unquote

from twinstack.drivers.objects.catalog import MAX_KEY_BYTES
from twinstack.packs.wayscloud.s3.access import bucket_for
from twinstack.packs.wayscloud.s3.errors import S3Error, no_such_key
from twinstack.packs.wayscloud.s3.request import S3Request
from twinstack.packs.wayscloud.s3.xml import element, http_date, iso, parse, text

DEFAULT_TYPE = "binary/octet-stream"
KEPT_HEADERS = ("cache-control", "content-disposition", "content-language", "expires")
"""Representation headers stored with an object and sent back with it."""
MAX_DELETE = 1000
MAX_PUT = 5 << 30
"""The largest object one PutObject may carry (bigger ones go in parts)."""
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def _check_key(key: str) -> None:
    if len(key.encode()) > MAX_KEY_BYTES:
        raise S3Error("KeyTooLongError", "Your key is too long")


def metadata_of(req: S3Request) -> dict[str, str]:
    return {k.removeprefix("x-amz-meta-"): v for k, v in req.headers.items() if k.startswith("x-amz-meta-")}


def _kept(req: S3Request) -> dict[str, str]:
    kept = {k: req.headers[k] for k in KEPT_HEADERS if k in req.headers}
    encoding = ",".join(e for e in req.headers.get("content-encoding", "").split(",") if e.strip() and
                        e.strip() != "aws-chunked")
    if encoding:
        kept["content-encoding"] = encoding
    return kept


def checksum_headers(record: dict[str, Any], *, whole: bool = True) -> dict[str, str]:
    """``x-amz-checksum-*`` of an object (none for part of one)."""
    if not whole:
        return {}
    out = {f"x-amz-checksum-{a.lower()}": v for a, v in (record.get("checksums") or {}).items()}
    if out:
        out["x-amz-checksum-type"] = str(record.get("checksum_type", "FULL_OBJECT"))
    return out


def object_headers(record: dict[str, Any]) -> dict[str, str]:
    headers = {"etag": f'"{record["etag"]}"', "last-modified": http_date(float(record["last_modified"])),
               "content-type": str(record.get("content_type") or DEFAULT_TYPE), "accept-ranges": "bytes",
               **{str(k): str(v) for k, v in (record.get("headers") or {}).items()}}
    headers.update({f"x-amz-meta-{k}": str(v) for k, v in (record.get("metadata") or {}).items()})
    if record.get("parts"):
        headers["x-amz-mp-parts-count"] = str(record["parts"])
    return headers


async def put_object(req: S3Request) -> None:
    bucket_for(req, write=True)
    _check_key(req.key)
    declared = req.headers.get("x-amz-decoded-content-length") or req.headers.get("content-length") or "0"
    if declared.isdigit() and int(declared) > MAX_PUT:
        raise S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.",
                      ProposedSize=declared, MaxSizeAllowed=str(MAX_PUT))
    algorithms = req.checksum_algorithms()
    pending = req.catalog.begin_write(algorithms)
    await req.receive_into(pending, algorithms)
    record = req.catalog.finish_put(req.bucket, req.key, pending,
                                    content_type=req.headers.get("content-type") or DEFAULT_TYPE,
                                    metadata=metadata_of(req), checksums=algorithms, extra={"headers": _kept(req)})
    await req.reply(200, headers={"etag": f'"{record["etag"]}"', **checksum_headers(record)})


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, stop)`` of a single ``Range``; None for the whole object; 416 when it cannot be met."""
    if not header:
        return None
    found = _RANGE.match(header.strip())
    if found is None:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:
        start, stop = max(size - int(last), 0), size
    else:
        start = int(first)
        stop = min(int(last) + 1, size) if last else size
    if start >= size or start >= stop:
        raise S3Error("InvalidRange", "The requested range is not satisfiable", 416,
                      RangeRequested=header, ActualObjectSize=str(size))
    return start, stop


def _part(req: S3Request, record: dict[str, Any]) -> tuple[int, int] | None:
    """The byte window of ``?partNumber=N``: that part of a multipart object (1 is the whole of any other)."""
    asked = req.query.get("partNumber")
    if asked is None:
        return None
    segments = (record.get("segments") or []) if record.get("parts") else [[None, record["size"]]]
    if not asked.isdigit() or not 1 <= int(asked) <= len(segments):
        raise S3Error("InvalidPartNumber", "The requested partnumber is not satisfiable", 416,
                      PartNumberRequested=asked, ActualPartCount=str(len(segments)))
    start = sum(int(size) for _, size in segments[: int(asked) - 1])
    stop = start + int(segments[int(asked) - 1][1])
    if start == stop:
        raise S3Error("InvalidRange", "The requested range is not satisfiable", 416)
    return start, stop


def _conditions(req: S3Request, record: dict[str, Any]) -> int | None:
    """304/412 as the conditional headers ask; None to answer normally."""
    etag = f'"{record["etag"]}"'
    match = req.headers.get("if-match")
    if match is not None and match.strip() not in ("*", etag, etag.strip('"')):
        return 412
    none_match = req.headers.get("if-none-match")
    if none_match is not None and none_match.strip() in ("*", etag, etag.strip('"')):
        return 304
    return None


async def get_object(req: S3Request) -> None:
    bucket_for(req, write=False)
    record = req.catalog.get_object(req.bucket, req.key)
    if record is None:
        raise no_such_key(req.key)
    if not req.catalog.has_bytes(record):
        raise S3Error("NoSuchKey", "The object's bytes are not on this server: its state was imported without "
                      "them.", 404, Key=req.key)
    blocked = _conditions(req, record)
    if blocked == 412:
        raise S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412,
                      Condition="If-Match")
    headers = object_headers(record)
    if blocked == 304:
        await req.reply(304, headers={k: headers[k] for k in ("etag", "last-modified")})
        return
    for name in ("content-type", "content-disposition", "cache-control", "content-encoding", "content-language",
                 "expires"):
        override = req.query.get(f"response-{name}")
        if override:
            headers[name] = override
    size = int(record["size"])
    window = _part(req, record) or _range(req.headers.get("range"), size)
    asked = req.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED"
    if window is None:
        if asked and record.get("checksum_type") != "COMPOSITE":
            headers.update(checksum_headers(record))
        await req.reply_stream(200, headers, size, req.catalog.read(record))
        return
    start, stop = window
    headers["content-range"] = f"bytes {start}-{stop - 1}/{size}"
    await req.reply_stream(206, headers, stop - start, req.catalog.read(record, start, stop))


async def delete_object(req: S3Request) -> None:
    bucket_for(req, write=True)
    req.catalog.delete_object(req.bucket, req.key)
    await req.reply(204)


async def delete_objects(req: S3Request) -> None:
    bucket_for(req, write=True)
    root = parse(await req.small_body())
    quiet = (text(root, "Quiet") or "").lower() == "true"
    entries = root.findall("Object")
    if not entries or len(entries) > MAX_DELETE:
        raise S3Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our "
                      "published schema")
    done, failed = [], []
    for entry in entries:
        key = text(entry, "Key")
        if key is None:
            failed.append(element("Error", Key="", Code="InvalidArgument", Message="A key is required"))
            continue
        req.catalog.delete_object(req.bucket, key)
        if not quiet:
            done.append(element("Deleted", Key=key))
    await req.reply_xml(element("DeleteResult", *done, *failed))


def _copy_source(req: S3Request) -> tuple[str, str]:
    source = unquote(req.headers["x-amz-copy-source"].split("?", 1)[0]).lstrip("/")
    bucket, _, key = source.partition("/")
    if not bucket or not key:
        raise S3Error("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
                      ArgumentName="x-amz-copy-source")
    return bucket, key


async def copy_object(req: S3Request) -> None:
    bucket_for(req, write=True)
    _check_key(req.key)
    source_bucket, source_key = _copy_source(req)
    bucket_for(req, write=False, name=source_bucket)
    source = req.catalog.get_object(source_bucket, source_key)
    if source is None:
        raise no_such_key(source_key)
    replace = req.headers.get("x-amz-metadata-directive", "COPY").upper() == "REPLACE"
    if (source_bucket, source_key) == (req.bucket, req.key) and not replace:
        raise S3Error("InvalidRequest", "This copy request is illegal because it is trying to copy an object to "
                      "itself without changing the object's metadata, storage class, website redirect location or "
                      "encryption attributes.")
    algorithms = tuple(source.get("checksums") or {}) if source.get("checksum_type") != "COMPOSITE" else ()
    algorithms = req.checksum_algorithms() or algorithms
    pending = req.catalog.begin_write(algorithms)
    try:
        for n, chunk in enumerate(req.catalog.read(source)):
            pending.write(chunk)
            if n % 8 == 7:
                await asyncio.sleep(0)  # a big copy lets other requests in between its chunks
        await asyncio.to_thread(pending.commit)
    except BaseException:
        pending.writer.discard()
        raise
    record = req.catalog.finish_put(
        req.bucket, req.key, pending,
        content_type=(req.headers.get("content-type") or DEFAULT_TYPE) if replace else str(source["content_type"]),
        metadata=metadata_of(req) if replace else dict(source.get("metadata") or {}), checksums=algorithms,
        extra={"headers": _kept(req) if replace else dict(source.get("headers") or {})})
    await req.reply_xml(element("CopyObjectResult", LastModified=iso(float(record["last_modified"])),
                                ETag=f'"{record["etag"]}"'))

