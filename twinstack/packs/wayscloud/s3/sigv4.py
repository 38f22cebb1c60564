"""AWS Signature Version 4 as S3 checks it: the Authorization header, presigned query strings, signed chunks.

The canonical request and the signature are botocore's own (``S3SigV4Auth``),
fed with exactly the headers the client says it signed, the query as the
client sent it (presigned: without ``X-Amz-Signature``) and the payload hash
it declared, so a request verifies here exactly when AWS's signer made it
with the same secret. The region is whatever the credential scope names,
provided it is one of ``REGIONS``; the service must be ``s3``. Presigned URLs
expire on the twin clock. Requests signed in the header are not refused for
clock skew: clients sign with their wall clock, and the twin's clock is moved
ahead on purpose.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from twinstack.packs.wayscloud.s3.errors import S3Error, access_denied

ALGORITHM = "AWS4-HMAC-SHA256"
REGIONS = ("eu-north-1", "no-oslo-1", "oslo")
"""Regions a credential scope may name: the one the credentials endpoint gives, and the document's names."""
UNSIGNED = "UNSIGNED-PAYLOAD"
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(slots=True)
class Signed:
    """What a request says about its signature."""

    access_key: str
    date: str
    """``x-amz-date`` (``20240120T090000Z``)."""
    region: str
    service: str
    signed_headers: list[str]
    signature: str
    payload: str
    """The declared payload hash (hex, ``UNSIGNED-PAYLOAD`` or a ``STREAMING-...`` marker)."""
    expires_at: float | None = None

    @property
    def scope(self) -> str:
        return f"{self.date[:8]}/{self.region}/{self.service}/aws4_request"


def _malformed(message: str) -> S3Error:
    return S3Error("AuthorizationHeaderMalformed", message, 400)


def _query_pairs(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for item in raw_query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def _stamp(date: str) -> float:
    try:
        return float(calendar.timegm(time.strptime(date, "%Y%m%dT%H%M%SZ")))
    except ValueError:
        raise access_denied("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"") from None


def _credential(value: str) -> tuple[str, str, str, str]:
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise _malformed("The authorization header is malformed; the Credential is mal-formed; "
                         "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
    return parts[0], parts[1], parts[2], parts[3]


def read_signature(headers: dict[str, str], raw_query: str) -> Signed | None:
    """The request's signature claims; None for an anonymous request."""
    auth = headers.get("authorization", "")
    query = dict(_query_pairs(raw_query))
    if auth:
        algorithm, _, rest = auth.partition(" ")
        if algorithm != ALGORITHM:
            raise S3Error("InvalidRequest", "Please use AWS4-HMAC-SHA256 (Signature Version 4).")
        fields = {}
        for item in rest.split(","):
            name, _, value = item.strip().partition("=")
            fields[name] = value
        if not {"Credential", "SignedHeaders", "Signature"} <= set(fields):
            raise _malformed("The authorization header is malformed.")
        key, day, region, service = _credential(fields["Credential"])
        date = headers.get("x-amz-date") or ""
        if not date:
            raise access_denied("AWS authentication requires a valid Date or x-amz-date header")
        _stamp(date)
        if day != date[:8]:
            raise S3Error("SignatureDoesNotMatch", "The credential date does not match x-amz-date.", 403)
        return Signed(key, date, region, service, fields["SignedHeaders"].split(";"), fields["Signature"],
                      headers.get("x-amz-content-sha256") or EMPTY_SHA256)
    if "X-Amz-Algorithm" in query:
        if query["X-Amz-Algorithm"] != ALGORITHM:
            raise S3Error("AuthorizationQueryParametersError", "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        try:
            key, day, region, service = _credential(query["X-Amz-Credential"])
            date, expires = query["X-Amz-Date"], int(query["X-Amz-Expires"])
            signed_headers, signature = query["X-Amz-SignedHeaders"].split(";"), query["X-Amz-Signature"]
        except (KeyError, ValueError):
            raise S3Error("AuthorizationQueryParametersError", "Query-string authentication version 4 requires the "
                          "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                          "and X-Amz-Expires parameters.") from None
        if not 0 < expires <= MAX_PRESIGN_SECONDS:
            raise S3Error("AuthorizationQueryParametersError",
                          "X-Amz-Expires must be between 1 and 604800 seconds")
        return Signed(key, date, region, service, signed_headers, signature, UNSIGNED, _stamp(date) + expires)
    return None


@functools.cache
def _botocore() -> tuple[Any, Any, Any]:
    """botocore's request, header and verifier classes, imported on the first signed request (start-up stays
    as fast); the verifier is botocore's S3 signer, made to sign what the client signed, as it declared it."""
    from botocore.auth import S3SigV4Auth  # type: ignore[import-untyped]
    from botocore.awsrequest import AWSRequest, HTTPHeaders  # type: ignore[import-untyped]
    from botocore.credentials import Credentials  # type: ignore[import-untyped]

    class Verifier(S3SigV4Auth):  # type: ignore[misc]
        def __init__(self, signed: Signed, secret: str) -> None:
            super().__init__(Credentials(signed.access_key, secret), "s3", signed.region)
            self.signed = signed

        def headers_to_sign(self, request: Any) -> Any:
            chosen = HTTPHeaders()
            for name in self.signed.signed_headers:
                for value in request.headers.get_all(name) or []:
                    chosen[name] = value
            return chosen

        def payload(self, request: Any) -> str:
            return self.signed.payload

    return AWSRequest, HTTPHeaders, Verifier


def check(signed: Signed, secret: str, *, method: str, raw_path: str, raw_query: str,
          headers: list[tuple[str, str]], now: float) -> bytes:
    """403 unless the signature is right, in scope and (presigned) unexpired; returns the signing key
    (signed ``aws-chunked`` bodies chain their chunk signatures from it)."""
    if signed.service != "s3":
        raise S3Error("SignatureDoesNotMatch", "Credential should be scoped to correct service: 's3'.", 403)
    if signed.region not in REGIONS:
        raise S3Error("SignatureDoesNotMatch", f"Credential should be scoped to a valid region, not "
                      f"'{signed.region}'; expecting one of {', '.join(REGIONS)}.", 403)
    if signed.expires_at is not None and now > signed.expires_at:
        raise access_denied("Request has expired")
    present = {name.lower() for name, _ in headers}
    if "host" not in signed.signed_headers or not set(signed.signed_headers) <= present:
        raise S3Error("SignatureDoesNotMatch", "Every signed header, host among them, must be sent.", 403)
    params = [(k, v) for k, v in _query_pairs(raw_query) if k != "X-Amz-Signature"]
    AWSRequest, HTTPHeaders, Verifier = _botocore()
    request = AWSRequest(method=method, url=f"http://host{raw_path}", headers=HTTPHeaders(), params=params)
    for name, value in headers:
        request.headers[name.lower()] = value
    request.context["timestamp"] = signed.date
    verifier = Verifier(signed, secret)
    canonical = verifier.canonical_request(request)
    expected = str(verifier.signature(verifier.string_to_sign(request, canonical), request))
    if not hmac.compare_digest(expected, signed.signature):
        raise S3Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you "
                      "provided. Check your key and signing method.", 403, StringToSign=verifier.string_to_sign(
                          request, canonical), CanonicalRequest=canonical)
    return signing_key(secret, signed)


def signing_key(secret: str, signed: Signed) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (signed.date[:8], signed.region, signed.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def chunk_signature(key: bytes, signed: Signed, previous: str, data_sha256: str) -> str:
    """The signature of one chunk of a ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` body."""
    to_sign = "\n".join(("AWS4-HMAC-SHA256-PAYLOAD", signed.date, signed.scope, previous, EMPTY_SHA256, data_sha256))
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
