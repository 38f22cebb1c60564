"""Bodies in ``aws-chunked`` encoding with signed chunks (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``), as SDKs that
sign payloads send them; and a reset dropping every object's bytes.

The seed signature is botocore's; each chunk's signature follows the AWS documentation's chain.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

import httpx
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conftest import LiveServer
from tests.packs.wayscloud.conftest import Tenant
from tests.packs.wayscloud.s3_clients import S3Keys, boto3_client, s3_keys

EMPTY = hashlib.sha256(b"").hexdigest()
STREAMING = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"


class StreamingSigner(S3SigV4Auth):  # type: ignore[misc]
    """botocore's S3 signer, declaring a signed streaming payload as such SDKs do."""

    def payload(self, request: AWSRequest) -> str:
        return STREAMING


def _key(secret: str, day: str, region: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signed_chunked_put(keys: S3Keys, url: str, chunks: list[bytes], *, tamper: bool = False) -> httpx.Response:
    total = sum(len(c) for c in chunks)
    sizes = [len(f"{len(c):x};chunk-signature={'0' * 64}\r\n") + len(c) + 2 for c in [*chunks, b""]]
    request = AWSRequest(method="PUT", url=url, headers={
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(total), "content-length": str(sum(sizes)),
    })
    StreamingSigner(Credentials(keys.access_key_id, keys.secret_access_key), "s3", keys.region).add_auth(request)
    headers: dict[str, Any] = dict(request.headers.items())
    date = headers["X-Amz-Date"]
    previous = headers["Authorization"].rsplit("Signature=", 1)[1]
    scope = f"{date[:8]}/{keys.region}/s3/aws4_request"
    signing = _key(keys.secret_access_key, date[:8], keys.region)
    body = b""
    for n, chunk in enumerate([*chunks, b""]):
        to_sign = "\n".join(("AWS4-HMAC-SHA256-PAYLOAD", date, scope, previous, EMPTY,
                             hashlib.sha256(chunk).hexdigest()))
        previous = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
        sent = chunk[:-1] + b"?" if tamper and n == 1 else chunk
        body += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + sent + b"\r\n"
    return httpx.put(url, content=body, headers=headers)


def test_signed_chunks_are_checked(live_twin: LiveServer, cloud_tenant: Tenant) -> None:
    keys = s3_keys(live_twin, cloud_tenant.api_key)
    s3 = boto3_client(keys)
    s3.create_bucket(Bucket="streamed")
    chunks = [os.urandom(64 * 1024), os.urandom(64 * 1024), os.urandom(1000)]
    good = signed_chunked_put(keys, f"{keys.endpoint_url}/streamed/signed.bin", chunks)
    assert good.status_code == 200, good.text
    assert good.headers["etag"] == f'"{hashlib.md5(b"".join(chunks)).hexdigest()}"'
    assert s3.get_object(Bucket="streamed", Key="signed.bin")["Body"].read() == b"".join(chunks)
    bad = signed_chunked_put(keys, f"{keys.endpoint_url}/streamed/tampered.bin", chunks, tamper=True)
    assert bad.status_code == 403 and b"SignatureDoesNotMatch" in bad.content
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="streamed")["Contents"]] == ["signed.bin"]


def test_a_reset_drops_the_bytes(live_twin: LiveServer, cloud_tenant: Tenant) -> None:
    s3 = boto3_client(s3_keys(live_twin, cloud_tenant.api_key))
    s3.create_bucket(Bucket="short-lived")
    s3.put_object(Bucket="short-lived", Key="k", Body=os.urandom(10_000))
    stored = live_twin.data_dir / "wayscloud-objects"
    assert [p for p in stored.rglob("*") if p.is_file()]
    live_twin.reset()
    assert not [p for p in stored.rglob("*") if p.is_file()]
