"""S3 multipart uploads: create, upload part, list parts, complete, abort, list uploads.

Parts stream to blobs of their own; completing an upload makes them the
object's segments (no copy) with S3's ETag ``<md5 of the parts' md5s>-<n>``
and, when the upload named a checksum algorithm, the composite checksum.
"""

from __future__ import annotations

from typing import Any

from twinstack.drivers.objects.catalog import MAX_PARTS
from twinstack.packs.wayscloud.s3.access import bucket_for
from twinstack.packs.wayscloud.s3.errors import S3Error
from twinstack.packs.wayscloud.s3.object_ops import DEFAULT_TYPE, _check_key, metadata_of
from twinstack.packs.wayscloud.s3.request import S3Request
from twinstack.packs.wayscloud.s3.xml import element, iso, parse, text


def _number(req: S3Request, name: str, low: int, high: int, default: int | None = None) -> int:
    value = req.query.get(name)
    if value is None and default is not None:
        return default
    if value is None or not value.isdigit() or not low <= int(value) <= high:
        raise S3Error("InvalidArgument", f"{name} must be an integer between {low} and {high}, inclusive",
                      ArgumentName=name, ArgumentValue=str(value))
    return int(value)


def _checksum_fields(record: dict[str, Any]) -> dict[str, Any]:
    return {f"Checksum{a}": v for a, v in (record.get("checksums") or {}).items()}


async def create(req: S3Request) -> None:
    bucket_for(req, write=True)
    _check_key(req.key)
    chosen = req.headers.get("x-amz-checksum-algorithm")
    algorithm = req.checksum_algorithms(chosen.upper() if chosen else None)[0] if chosen else None
    upload = req.catalog.create_upload(req.bucket, req.key,
                                       content_type=req.headers.get("content-type") or DEFAULT_TYPE,
                                       metadata=metadata_of(req), algorithm=algorithm)
    headers = {"x-amz-checksum-algorithm": algorithm, "x-amz-checksum-type": "COMPOSITE"} if algorithm else {}
    await req.reply_xml(element("InitiateMultipartUploadResult", Bucket=req.bucket, Key=req.key,
                                UploadId=upload["upload_id"]), headers=headers)


async def upload_part(req: S3Request) -> None:
    if "x-amz-copy-source" in req.headers:
        raise S3Error("NotImplemented", "UploadPartCopy is not implemented by this twin.", 501)
    bucket_for(req, write=True)
    number = _number(req, "partNumber", 1, MAX_PARTS)
    upload = req.catalog.upload(req.bucket, req.query["uploadId"], req.key)
    algorithms = req.checksum_algorithms(upload.get("algorithm"))
    pending = req.catalog.begin_write(algorithms)
    await req.receive_into(pending, algorithms)
    part = req.catalog.put_part(req.bucket, str(upload["upload_id"]), number, pending, algorithms)
    headers = {"etag": f'"{part["etag"]}"'}
    headers.update({f"x-amz-checksum-{a.lower()}": v for a, v in part["checksums"].items()})
    await req.reply(200, headers=headers)


async def list_parts(req: S3Request) -> None:
    bucket_for(req, write=False)
    upload = req.catalog.upload(req.bucket, req.query["uploadId"], req.key)
    after = _number(req, "part-number-marker", 0, MAX_PARTS, 0)
    limit = _number(req, "max-parts", 1, 1000, 1000)
    parts, more = req.catalog.list_parts(str(upload["upload_id"]), after, limit)
    owner = element("Owner", ID=str(req.tenant or ""), DisplayName=str(req.tenant or ""))
    await req.reply_xml(element(
        "ListPartsResult", Bucket=req.bucket, Key=req.key, UploadId=upload["upload_id"],
        Initiator=element("Initiator", ID=str(req.tenant or "")), Owner=owner, StorageClass="STANDARD",
        PartNumberMarker=after, NextPartNumberMarker=parts[-1]["part_number"] if parts else after, MaxParts=limit,
        IsTruncated=more, ChecksumAlgorithm=upload.get("algorithm"),
        Part=[element("Part", PartNumber=p["part_number"], LastModified=iso(float(p["last_modified"])),
                      ETag=f'"{p["etag"]}"', Size=p["size"], **_checksum_fields(p)) for p in parts],
    ))


async def complete(req: S3Request) -> None:
    bucket_for(req, write=True)
    root = parse(await req.small_body())
    chosen = []
    for part in root.findall("Part"):
        number, etag = text(part, "PartNumber"), text(part, "ETag")
        if number is None or not number.isdigit() or etag is None:
            raise S3Error("MalformedXML", "Each Part needs a PartNumber and an ETag.")
        chosen.append((int(number), etag))
    record = req.catalog.complete_upload(req.bucket, req.query["uploadId"], req.key, chosen)
    location = f"{req.scope.get('scheme', 'http')}://{req.headers.get('host', '')}{req.raw_path}"
    headers = {"x-amz-checksum-type": "COMPOSITE"} if record.get("checksums") else {}
    await req.reply_xml(element("CompleteMultipartUploadResult", Location=location, Bucket=req.bucket, Key=req.key,
                                ETag=f'"{record["etag"]}"', **_checksum_fields(record)), headers=headers)


async def abort(req: S3Request) -> None:
    bucket_for(req, write=True)
    upload = req.catalog.upload(req.bucket, req.query["uploadId"], req.key)
    req.catalog.abort_upload(req.bucket, str(upload["upload_id"]))
    await req.reply(204)


async def list_uploads(req: S3Request) -> None:
    bucket_for(req, write=False)
    limit = _number(req, "max-uploads", 1, 1000, 1000)
    prefix = req.query.get("prefix", "")
    uploads = [u for u in req.catalog.list_uploads(req.bucket, limit) if str(u["key"]).startswith(prefix)]
    await req.reply_xml(element(
        "ListMultipartUploadsResult", Bucket=req.bucket, KeyMarker="", UploadIdMarker="", MaxUploads=limit,
        Prefix=prefix or None, IsTruncated=False,
        Upload=[element("Upload", Key=u["key"], UploadId=u["upload_id"], StorageClass="STANDARD",
                        Initiated=iso(float(u["initiated"])), ChecksumAlgorithm=u.get("algorithm")) for u in uploads],
    ))
