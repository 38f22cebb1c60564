"""The S3 mount: parse, authenticate, pick the operation by method, bucket, key and sub-resource, answer.

Errors are S3's XML ``<Error>`` documents; what the object driver refuses
(``InvalidPart``, ``BucketNotEmpty``...) keeps its S3 code.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.errors import TwinError
from twinstack.packs.wayscloud import storage
from twinstack.packs.wayscloud.s3 import bucket_ops, multipart_ops, object_ops
from twinstack.packs.wayscloud.s3.access import authenticate
from twinstack.packs.wayscloud.s3.errors import S3Error
from twinstack.packs.wayscloud.s3.request import S3Request

log = logging.getLogger("twinstack.wayscloud.s3")

Operation = Callable[[S3Request], Awaitable[None]]

_PRESIGN = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
            "X-Amz-Signature", "X-Amz-Security-Token", "x-id"}
_LIST = {"list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "encoding-type",
         "fetch-owner", "marker", "max-uploads", "key-marker", "upload-id-marker"}
_OBJECT = {"response-content-type", "response-content-disposition", "response-cache-control",
           "response-content-encoding", "response-content-language", "response-expires", "partNumber",
           "uploadId", "max-parts", "part-number-marker", "versionId"}


def _operation(req: S3Request) -> Operation:
    method, query = req.method, set(req.query) - _PRESIGN
    if not req.bucket:
        if method == "GET" and not query - {"max-buckets", "continuation-token", "prefix", "bucket-region"}:
            return bucket_ops.list_buckets
        raise S3Error("MethodNotAllowed", "The specified method is not allowed against this resource.", 405)
    if not req.key:
        if method == "GET":
            if query == {"location"}:
                return bucket_ops.location
            if query == {"versioning"}:
                return bucket_ops.versioning
            if "uploads" in query and not query - _LIST - {"uploads"}:
                return multipart_ops.list_uploads
            if not query - _LIST:
                return bucket_ops.list_v2 if req.query.get("list-type") == "2" else bucket_ops.list_v1
        elif not query:
            table: dict[str, Operation] = {"PUT": bucket_ops.create_bucket, "DELETE": bucket_ops.delete_bucket,
                                           "HEAD": bucket_ops.head_bucket}
            if method in table:
                return table[method]
        elif method == "POST" and query == {"delete"}:
            return object_ops.delete_objects
    elif not query - _OBJECT - {"uploads"}:
        if method == "PUT":
            if "uploadId" in query and "partNumber" in query:
                return multipart_ops.upload_part
            if not query:
                return object_ops.copy_object if "x-amz-copy-source" in req.headers else object_ops.put_object
        elif method in ("GET", "HEAD"):
            if method == "GET" and "uploadId" in query:
                return multipart_ops.list_parts
            if "uploads" not in query and "uploadId" not in query:
                return object_ops.get_object
        elif method == "DELETE":
            return multipart_ops.abort if "uploadId" in query else object_ops.delete_object
        elif method == "POST":
            if query == {"uploads"}:
                return multipart_ops.create
            if query == {"uploadId"}:
                return multipart_ops.complete
    raise S3Error("NotImplemented", "A header or query you provided implies functionality that is not implemented.",
                  501)


async def s3_app(twin: Twin, scope: dict[str, Any], receive: Any, send: Any, rest: str) -> None:
    req = S3Request.parse(twin, scope, receive, send, rest, storage.catalog(twin))
    try:
        authenticate(req)
        await _operation(req)(req)
        await req.catalog.release()
    except S3Error as error:
        if req.started:
            raise
        await req.reply_error(error)
    except TwinError as error:
        if req.started:
            raise
        code = error.code if error.code[:1].isupper() else {404: "NoSuchKey", 409: "OperationAborted",
                                                             403: "AccessDenied"}.get(error.status, "InvalidRequest")
        await req.reply_error(S3Error(code, error.message, error.status))
    except Exception:
        log.exception("S3 %s %s failed", req.method, req.resource)
        if req.started:
            raise
        await req.reply_error(S3Error("InternalError", "We encountered an internal error. Please try again.", 500))
