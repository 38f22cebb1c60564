"""S3 bucket operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket, location, ListObjects (V1, V2).

A bucket made or deleted here is made or deleted for the REST API too
(``storage.create_bucket``); names follow the WAYSCloud rule, lower-case
letters, digits and hyphens, 3 to 63 characters.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import quote

from twinstack.drivers.objects import key_id
from twinstack.packs.wayscloud import storage
from twinstack.packs.wayscloud.s3.access import bucket_for, signed_in
from twinstack.packs.wayscloud.s3.errors import S3Error
from twinstack.packs.wayscloud.s3.request import S3Request
from twinstack.packs.wayscloud.s3.xml import element, iso, parse, text

MAX_KEYS = 1000


def owner(tenant: str) -> Any:
    return element("Owner", ID=tenant, DisplayName=tenant)


async def list_buckets(req: S3Request) -> None:
    tenant = signed_in(req)
    records = req.catalog.buckets_of(tenant)
    if req.only_bucket is not None:
        records = [r for r in records if r["name"] == req.only_bucket]
    records.sort(key=lambda r: str(r["name"]))
    buckets = [element("Bucket", Name=r["name"], CreationDate=iso(float(r["created_at"])),
                       BucketRegion=storage.S3_REGION) for r in records]
    await req.reply_xml(element("ListAllMyBucketsResult", owner(tenant), element("Buckets", *buckets)))


async def create_bucket(req: S3Request) -> None:
    tenant = signed_in(req)
    if req.only_bucket is not None:
        raise S3Error("AccessDenied", "A bucket key cannot create buckets.", 403)
    body = await req.small_body()
    if body.strip():
        region = text(parse(body), "LocationConstraint")
        if region and region not in (storage.S3_REGION, storage.DEFAULT_REGION, "oslo"):
            raise S3Error("InvalidLocationConstraint", "The specified location-constraint is not valid.")
    if not storage.BUCKET_NAME.fullmatch(req.bucket):
        raise S3Error("InvalidBucketName", "The specified bucket is not valid.", BucketName=req.bucket)
    found = req.catalog.bucket(req.bucket)
    if found is not None and found["owner"] == tenant:
        raise S3Error("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and "
                      "you already own it.", 409, BucketName=req.bucket)
    if req.catalog.name_taken(req.bucket):
        raise S3Error("BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is "
                      "shared by all users of the system. Please select a different name and try again.", 409,
                      BucketName=req.bucket)
    storage.create_bucket(req.twin, tenant, req.bucket)
    await req.reply(200, headers={"location": f"/{req.bucket}"})


async def delete_bucket(req: S3Request) -> None:
    bucket_for(req, write=True)
    if req.catalog.usage(req.bucket)[0] > 0:
        raise S3Error("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, BucketName=req.bucket)
    storage.delete_bucket(req.twin, signed_in(req), req.bucket)
    await req.reply(204)


async def head_bucket(req: S3Request) -> None:
    bucket_for(req, write=False)
    await req.reply(200, headers={"x-amz-bucket-region": storage.S3_REGION})


async def location(req: S3Request) -> None:
    bucket_for(req, write=False)
    found = element("LocationConstraint")
    found.text = storage.S3_REGION
    await req.reply_xml(found)


async def versioning(req: S3Request) -> None:
    bucket_for(req, write=False)
    await req.reply_xml(element("VersioningConfiguration"))


def _max_keys(req: S3Request, name: str = "max-keys") -> int:
    value = req.query.get(name, str(MAX_KEYS))
    if not value.isdigit():
        raise S3Error("InvalidArgument", f"Provided {name} not an integer or within integer range",
                      ArgumentName=name, ArgumentValue=value)
    return min(int(value), MAX_KEYS)


def _encoder(req: S3Request) -> Any:
    kind = req.query.get("encoding-type")
    if kind not in (None, "url"):
        raise S3Error("InvalidArgument", "Invalid Encoding Method specified in Request", ArgumentName="encoding-type")
    return (lambda value: quote(value, safe="/")) if kind == "url" else (lambda value: value)


def _contents(record: dict[str, Any], encode: Any, with_owner: str | None) -> Any:
    return element("Contents", Key=encode(str(record["key"])), LastModified=iso(float(record["last_modified"])),
                   ETag=f'"{record["etag"]}"', Size=record["size"],
                   ChecksumAlgorithm=list(record.get("checksums") or {}) or None,
                   StorageClass="STANDARD", Owner=owner(with_owner) if with_owner else None)


def _token(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode()


def _position(token: str) -> str:
    try:
        position = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        position = "!"
    if not position or any(c not in "0123456789abcdefg" for c in position):
        raise S3Error("InvalidArgument", "The continuation token provided is incorrect",
                      ArgumentName="continuation-token")
    return position


async def list_v2(req: S3Request) -> None:
    record = bucket_for(req, write=False)
    encode = _encoder(req)
    prefix, delimiter = req.query.get("prefix", ""), req.query.get("delimiter", "")
    max_keys = _max_keys(req)
    token = req.query.get("continuation-token")
    start_after = req.query.get("start-after", "")
    position = _position(token) if token is not None else key_id(start_after) + "0" if start_after else ""
    listing = req.catalog.list_objects(req.bucket, prefix=prefix, delimiter=delimiter, position=position,
                                       max_keys=max_keys)
    with_owner = str(record["owner"]) if req.query.get("fetch-owner") == "true" else None
    await req.reply_xml(element(
        "ListBucketResult", Name=req.bucket, Prefix=encode(prefix), Delimiter=encode(delimiter) or None,
        MaxKeys=max_keys, EncodingType=req.query.get("encoding-type"), KeyCount=len(listing.objects) + len(
            listing.prefixes), ContinuationToken=token, StartAfter=encode(start_after) or None,
        IsTruncated=listing.next_position is not None,
        NextContinuationToken=_token(listing.next_position) if listing.next_position else None,
        Contents=[_contents(o, encode, with_owner) for o in listing.objects],
        CommonPrefixes=[element("CommonPrefixes", Prefix=encode(p)) for p in listing.prefixes],
    ))


async def list_v1(req: S3Request) -> None:
    record = bucket_for(req, write=False)
    encode = _encoder(req)
    prefix, delimiter = req.query.get("prefix", ""), req.query.get("delimiter", "")
    max_keys = _max_keys(req)
    marker = req.query.get("marker", "")
    # A marker that is a folded prefix continues past every key under it, as the listing that gave it did.
    past = "g" if delimiter and marker.endswith(delimiter) else "0"
    listing = req.catalog.list_objects(req.bucket, prefix=prefix, delimiter=delimiter,
                                       position=key_id(marker) + past if marker else "", max_keys=max_keys)
    last = listing.prefixes[-1] if listing.prefixes and (not listing.objects or listing.prefixes[-1] > str(
        listing.objects[-1]["key"])) else str(listing.objects[-1]["key"]) if listing.objects else None
    truncated = listing.next_position is not None
    await req.reply_xml(element(
        "ListBucketResult", Name=req.bucket, Prefix=encode(prefix), Marker=encode(marker),
        NextMarker=encode(last) if truncated and delimiter and last else None, MaxKeys=max_keys,
        Delimiter=encode(delimiter) or None, EncodingType=req.query.get("encoding-type"), IsTruncated=truncated,
        Contents=[_contents(o, encode, str(record["owner"])) for o in listing.objects],
        CommonPrefixes=[element("CommonPrefixes", Prefix=encode(p)) for p in listing.prefixes],
    ))
