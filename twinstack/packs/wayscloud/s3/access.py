"""Who an S3 request is, and what it may touch: the signing key's tenant, its bucket if it is a bucket key.

A signed request resolves to the tenant of its access key (an unknown key is
``InvalidAccessKeyId``, a wrong signature ``SignatureDoesNotMatch``, both 403).
An unsigned one is anonymous and may only read objects and listings of a
public bucket. Another tenant's bucket, or a bucket other than a bucket key's
own, is ``AccessDenied``; a bucket nobody has is ``NoSuchBucket``.
"""

from __future__ import annotations

from typing import Any

from twinstack.packs.wayscloud import storage
from twinstack.packs.wayscloud.s3 import sigv4
from twinstack.packs.wayscloud.s3.errors import S3Error, access_denied, no_such_bucket
from twinstack.packs.wayscloud.s3.request import S3Request


def authenticate(req: S3Request) -> None:
    signed = sigv4.read_signature(req.headers, req.raw_query)
    if signed is None:
        return
    record = storage.key_record(req.twin, signed.access_key)
    if record is None:
        raise S3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403,
                      AWSAccessKeyId=signed.access_key)
    req.signing_key = sigv4.check(signed, str(record["secret"]), method=req.method, raw_path=req.raw_path,
                                  raw_query=req.raw_query, headers=req.header_list, now=req.twin.clock.now())
    req.signed = signed
    req.tenant = str(record["tenant"])
    req.only_bucket = record.get("bucket")


def signed_in(req: S3Request) -> str:
    """The caller's tenant; AccessDenied for an anonymous request."""
    if req.tenant is None:
        raise access_denied()
    return req.tenant


def bucket_for(req: S3Request, *, write: bool, name: str | None = None) -> dict[str, Any]:
    """The bucket the request names, if the caller may use it so (anonymous: public buckets, reading only)."""
    name = name if name is not None else req.bucket
    record = req.catalog.bucket(name)
    if record is None:
        raise no_such_bucket(name)
    if req.tenant is None:
        if write or not record.get("is_public"):
            raise access_denied()
    elif record["owner"] != req.tenant or (req.only_bucket is not None and req.only_bucket != name):
        raise access_denied()
    return record
