"""S3 through boto3 against a live twin: objects byte-exact, listings, multipart, presigned URLs, refusals."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from typing import Any

import botocore.exceptions
import httpx
import pytest

from tests.conftest import LiveServer
from tests.packs.wayscloud.conftest import Tenant
from tests.packs.wayscloud.s3_clients import API, S3Keys, boto3_client, make_bucket, s3_keys

MiB = 1 << 20


@pytest.fixture
def keys(live_twin: LiveServer, cloud_tenant: Tenant) -> S3Keys:
    return s3_keys(live_twin, cloud_tenant.api_key)


@pytest.fixture
def s3(keys: S3Keys) -> Any:
    return boto3_client(keys)


def _error(call: Any, *args: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    return str(response["Error"]["Code"]), int(response["ResponseMetadata"]["HTTPStatusCode"])


def test_credentials_point_at_the_twin(live_twin: LiveServer, keys: S3Keys, cloud_tenant: Tenant) -> None:
    assert keys.endpoint_url == f"{live_twin.url}/wayscloud-s3"
    assert keys.region == "eu-north-1"
    assert keys.access_key_id.startswith("AKWC") and len(keys.access_key_id) == 20
    assert len(keys.secret_access_key) == 40
    assert s3_keys(live_twin, cloud_tenant.api_key) == keys  # the tenant's pair, not a new one per call


def test_put_get_head_byte_exact(s3: Any) -> None:
    s3.create_bucket(Bucket="photos-one")
    body = os.urandom(300_000) + b"\x00\xff"
    put = s3.put_object(Bucket="photos-one", Key="2024/cat picture.bin", Body=body, ContentType="image/x-cat",
                        Metadata={"owner": "alice"}, CacheControl="max-age=60")
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket="photos-one", Key="2024/cat picture.bin")
    assert got["Body"].read() == body
    assert got["ContentType"] == "image/x-cat" and got["Metadata"] == {"owner": "alice"}
    assert got["CacheControl"] == "max-age=60" and got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket="photos-one", Key="2024/cat picture.bin")
    assert head["ContentLength"] == len(body) and head["ETag"] == put["ETag"]
    assert _error(s3.get_object, Bucket="photos-one", Key="missing") == ("NoSuchKey", 404)
    assert _error(s3.get_object, Bucket="no-such-bucket-here", Key="x") == ("NoSuchBucket", 404)
    s3.delete_object(Bucket="photos-one", Key="2024/cat picture.bin")
    assert _error(s3.head_object, Bucket="photos-one", Key="2024/cat picture.bin")[1] == 404


def test_ranged_get(s3: Any) -> None:
    s3.create_bucket(Bucket="ranges")
    body = bytes(range(256)) * 40
    s3.put_object(Bucket="ranges", Key="k", Body=body)
    part = s3.get_object(Bucket="ranges", Key="k", Range="bytes=100-299")
    assert part["Body"].read() == body[100:300]
    assert part["ContentRange"] == f"bytes 100-299/{len(body)}"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert s3.get_object(Bucket="ranges", Key="k", Range="bytes=-10")["Body"].read() == body[-10:]
    assert s3.get_object(Bucket="ranges", Key="k", Range="bytes=10000-")["Body"].read() == body[10000:]
    assert _error(s3.get_object, Bucket="ranges", Key="k", Range=f"bytes={len(body)}-") == ("InvalidRange", 416)


def test_list_objects_v2_prefix_delimiter_pagination(s3: Any) -> None:
    s3.create_bucket(Bucket="listing")
    keys = ["a/1", "a/2", "a/b/3", "b/4", "c", "d/5", "é/6"] + [f"logs/{n:03d}" for n in range(25)]
    for key in reversed(keys):  # stored out of order: listings are in key order all the same
        s3.put_object(Bucket="listing", Key=key, Body=key.encode())
    seen, token, pages = [], None, 0
    while True:
        page = s3.list_objects_v2(Bucket="listing", Prefix="logs/", MaxKeys=10,
                                  **({"ContinuationToken": token} if token else {}))
        seen += [o["Key"] for o in page["Contents"]]
        pages += 1
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert seen == [f"logs/{n:03d}" for n in range(25)] and pages == 3
    top = s3.list_objects_v2(Bucket="listing", Delimiter="/")
    assert [o["Key"] for o in top["Contents"]] == ["c"]
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["a/", "b/", "d/", "logs/", "é/"]
    under_a = s3.list_objects_v2(Bucket="listing", Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in under_a["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in under_a["CommonPrefixes"]] == ["a/b/"]
    folded = s3.list_objects_v2(Bucket="listing", Delimiter="/", MaxKeys=2)
    assert [p["Prefix"] for p in folded["CommonPrefixes"]] == ["a/", "b/"] and folded["IsTruncated"]
    rest = s3.list_objects_v2(Bucket="listing", Delimiter="/", ContinuationToken=folded["NextContinuationToken"])
    assert [o["Key"] for o in rest["Contents"]] == ["c"]
    assert [p["Prefix"] for p in rest["CommonPrefixes"]] == ["d/", "logs/", "é/"]
    after = s3.list_objects_v2(Bucket="listing", StartAfter="logs/022")
    assert [o["Key"] for o in after["Contents"]] == ["logs/023", "logs/024", "é/6"]
    paginator = s3.get_paginator("list_objects_v2")
    assert sum(len(p.get("Contents", [])) for p in paginator.paginate(Bucket="listing",
                                                                       PaginationConfig={"PageSize": 7})) == len(keys)


def test_multipart_five_and_three_mib(s3: Any) -> None:
    s3.create_bucket(Bucket="multipart")
    first, second = os.urandom(5 * MiB), os.urandom(3 * MiB)
    upload = s3.create_multipart_upload(Bucket="multipart", Key="big.bin", ChecksumAlgorithm="SHA256")
    uid = upload["UploadId"]
    one = s3.upload_part(Bucket="multipart", Key="big.bin", UploadId=uid, PartNumber=1, Body=first,
                         ChecksumAlgorithm="SHA256")
    two = s3.upload_part(Bucket="multipart", Key="big.bin", UploadId=uid, PartNumber=2, Body=second,
                         ChecksumAlgorithm="SHA256")
    assert one["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(first).digest()).decode()
    parts = s3.list_parts(Bucket="multipart", Key="big.bin", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in parts] == [
        (1, 5 * MiB, one["ETag"]), (2, 3 * MiB, two["ETag"])]
    done = s3.complete_multipart_upload(Bucket="multipart", Key="big.bin", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": one["ETag"], "ChecksumSHA256": one["ChecksumSHA256"]},
        {"PartNumber": 2, "ETag": two["ETag"], "ChecksumSHA256": two["ChecksumSHA256"]},
    ]})
    md5s = hashlib.md5(first).digest() + hashlib.md5(second).digest()
    assert done["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-2"'
    second_part = s3.get_object(Bucket="multipart", Key="big.bin", PartNumber=2)
    assert second_part["Body"].read() == second and second_part["PartsCount"] == 2
    got = s3.get_object(Bucket="multipart", Key="big.bin")
    assert got["ContentLength"] == 8 * MiB
    assert hashlib.sha256(got["Body"].read()).digest() == hashlib.sha256(first + second).digest()
    assert s3.list_multipart_uploads(Bucket="multipart").get("Uploads") is None


def test_multipart_refuses_small_parts_and_wrong_etags(s3: Any) -> None:
    s3.create_bucket(Bucket="strict-parts")
    uid = s3.create_multipart_upload(Bucket="strict-parts", Key="k")["UploadId"]
    one = s3.upload_part(Bucket="strict-parts", Key="k", UploadId=uid, PartNumber=1, Body=b"small")
    two = s3.upload_part(Bucket="strict-parts", Key="k", UploadId=uid, PartNumber=2, Body=b"tail")
    parts = [{"PartNumber": 1, "ETag": one["ETag"]}, {"PartNumber": 2, "ETag": two["ETag"]}]
    assert _error(s3.complete_multipart_upload, Bucket="strict-parts", Key="k", UploadId=uid,
                  MultipartUpload={"Parts": parts}) == ("EntityTooSmall", 400)
    assert _error(s3.complete_multipart_upload, Bucket="strict-parts", Key="k", UploadId=uid,
                  MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"00"'}]}) == ("InvalidPart", 400)
    assert _error(s3.complete_multipart_upload, Bucket="strict-parts", Key="k", UploadId=uid,
                  MultipartUpload={"Parts": parts[::-1]}) == ("InvalidPartOrder", 400)


def test_upload_and_download_fileobj_round_trip(s3: Any) -> None:
    s3.create_bucket(Bucket="fileobj")
    data = os.urandom(12 * MiB + 17)  # above boto3's 8 MiB threshold: a managed multipart upload
    s3.upload_fileobj(io.BytesIO(data), "fileobj", "blob.bin")
    out = io.BytesIO()
    s3.download_fileobj("fileobj", "blob.bin", out)
    assert out.getvalue() == data
    assert s3.head_object(Bucket="fileobj", Key="blob.bin")["ETag"].endswith('-2"')


def test_aborted_upload_leaves_nothing(live_twin: LiveServer, cloud_tenant: Tenant, s3: Any) -> None:
    s3.create_bucket(Bucket="aborts")
    uid = s3.create_multipart_upload(Bucket="aborts", Key="gone")["UploadId"]
    s3.upload_part(Bucket="aborts", Key="gone", UploadId=uid, PartNumber=1, Body=os.urandom(MiB))
    assert len(s3.list_multipart_uploads(Bucket="aborts")["Uploads"]) == 1
    s3.abort_multipart_upload(Bucket="aborts", Key="gone", UploadId=uid)
    assert s3.list_multipart_uploads(Bucket="aborts").get("Uploads") is None
    assert _error(s3.list_parts, Bucket="aborts", Key="gone", UploadId=uid) == ("NoSuchUpload", 404)
    assert s3.list_objects_v2(Bucket="aborts")["KeyCount"] == 0
    incoming = list((live_twin.data_dir / "wayscloud-objects").rglob("*"))
    assert not [p for p in incoming if p.is_file()]  # the part's bytes were deleted with it
    with live_twin.http() as http:
        bucket = http.get(f"{API}/storage/buckets/aborts", headers=cloud_tenant.service).json()
    assert (bucket["object_count"], bucket["size_bytes"]) == (0, 0)


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_checksums_are_checked_and_returned(s3: Any, algorithm: str) -> None:
    s3.create_bucket(Bucket="checksums")
    body = os.urandom(70_000)
    put = s3.put_object(Bucket="checksums", Key="k", Body=body, ChecksumAlgorithm=algorithm)
    got = s3.get_object(Bucket="checksums", Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == body
    assert got[f"Checksum{algorithm}"] == put[f"Checksum{algorithm}"]


def test_a_wrong_checksum_is_refused(keys: S3Keys, s3: Any) -> None:
    s3.create_bucket(Bucket="bad-digest")
    wrong = base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    assert _error(s3.put_object, Bucket="bad-digest", Key="k", Body=b"payload",
                  ChecksumSHA256=wrong) == ("BadDigest", 400)
    assert s3.list_objects_v2(Bucket="bad-digest")["KeyCount"] == 0


def test_copy_and_delete_objects(s3: Any) -> None:
    s3.create_bucket(Bucket="copies")
    s3.put_object(Bucket="copies", Key="src", Body=b"original", ContentType="text/plain", Metadata={"a": "1"})
    s3.copy_object(Bucket="copies", Key="dst", CopySource={"Bucket": "copies", "Key": "src"})
    copied = s3.get_object(Bucket="copies", Key="dst")
    assert copied["Body"].read() == b"original" and copied["Metadata"] == {"a": "1"}
    s3.copy_object(Bucket="copies", Key="dst", CopySource="copies/src", MetadataDirective="REPLACE",
                   ContentType="text/markdown", Metadata={"b": "2"})
    replaced = s3.head_object(Bucket="copies", Key="dst")
    assert replaced["ContentType"] == "text/markdown" and replaced["Metadata"] == {"b": "2"}
    gone = s3.delete_objects(Bucket="copies", Delete={"Objects": [{"Key": "src"}, {"Key": "dst"}, {"Key": "x"}]})
    assert sorted(d["Key"] for d in gone["Deleted"]) == ["dst", "src", "x"]
    assert s3.list_objects_v2(Bucket="copies")["KeyCount"] == 0


def test_presigned_get_works_then_expires_on_the_twin_clock(live_twin: LiveServer, s3: Any) -> None:
    s3.create_bucket(Bucket="presigned")
    s3.put_object(Bucket="presigned", Key="report.txt", Body=b"quarterly")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "presigned", "Key": "report.txt"},
                                    ExpiresIn=600)
    assert httpx.get(url).content == b"quarterly"
    upload = s3.generate_presigned_url("put_object", Params={"Bucket": "presigned", "Key": "from-browser.txt"})
    assert httpx.put(upload, content=b"sent with no credentials").status_code == 200
    assert s3.get_object(Bucket="presigned", Key="from-browser.txt")["Body"].read() == b"sent with no credentials"
    tampered = url.replace("report.txt", "other.txt")
    assert httpx.get(tampered).status_code == 403
    with live_twin.http() as http:
        http.post("/_twinstack/clock/advance", json={"seconds": 601}).raise_for_status()
    expired = httpx.get(url)
    assert expired.status_code == 403 and b"<Code>AccessDenied</Code>" in expired.content
    assert b"Request has expired" in expired.content


def test_wrong_secret_and_wrong_region_are_403(keys: S3Keys, s3: Any) -> None:
    s3.create_bucket(Bucket="signed-only")
    wrong = boto3_client(keys, secret="x" * 40)
    assert _error(wrong.list_buckets) == ("SignatureDoesNotMatch", 403)
    assert _error(wrong.put_object, Bucket="signed-only", Key="k", Body=b"no") == ("SignatureDoesNotMatch", 403)
    assert _error(boto3_client(keys, region="us-west-2").list_buckets) == ("SignatureDoesNotMatch", 403)
    unknown = S3Keys("AKWC0000000000000000", keys.secret_access_key, keys.endpoint_url, keys.region)
    assert _error(boto3_client(unknown).list_buckets) == ("InvalidAccessKeyId", 403)
    assert s3.list_objects_v2(Bucket="signed-only")["KeyCount"] == 0


def test_another_tenants_keys_are_refused(live_twin: LiveServer, s3: Any) -> None:
    s3.create_bucket(Bucket="mine-only")
    s3.put_object(Bucket="mine-only", Key="secret.txt", Body=b"mine")
    with live_twin.http() as http:
        other = http.post("/_twinstack/tenants", json={"name": "other"}).json()
    intruder = boto3_client(s3_keys(live_twin, other["credentials"]["wayscloud"]["api_key"]))
    assert [b["Name"] for b in intruder.list_buckets()["Buckets"]] == []
    for call, kwargs in [
        (intruder.get_object, {"Key": "secret.txt"}), (intruder.head_object, {"Key": "secret.txt"}),
        (intruder.put_object, {"Key": "x", "Body": b"x"}), (intruder.delete_object, {"Key": "secret.txt"}),
        (intruder.list_objects_v2, {}), (intruder.delete_bucket, {}),
        (intruder.create_multipart_upload, {"Key": "x"}),
    ]:
        assert _error(call, Bucket="mine-only", **kwargs)[1] == 403, call
    assert _error(intruder.create_bucket, Bucket="mine-only") == ("BucketAlreadyExists", 409)
    assert s3.get_object(Bucket="mine-only", Key="secret.txt")["Body"].read() == b"mine"


def test_public_buckets_are_readable_anonymously(live_twin: LiveServer, cloud_tenant: Tenant, s3: Any) -> None:
    s3.create_bucket(Bucket="website")
    s3.put_object(Bucket="website", Key="index.html", Body=b"<h1>hi</h1>", ContentType="text/html")
    url = f"{live_twin.url}/wayscloud-s3/website/index.html"
    assert httpx.get(url).status_code == 403
    with live_twin.http() as http:
        made = http.patch(f"{API}/storage/buckets/website/visibility", headers=cloud_tenant.service,
                          json={"is_public": True})
        assert made.status_code == 200 and made.json()["is_public"] is True
        page = httpx.get(url)
        assert page.status_code == 200 and page.content == b"<h1>hi</h1>"
        assert page.headers["content-type"] == "text/html"
        assert httpx.put(url, content=b"defaced").status_code == 403
        virtual = http.get("/index.html", headers={"Host": "website.storage.wayscloud.services"})
        assert virtual.content == b"<h1>hi</h1>"


def test_buckets_are_one_set_with_the_api(live_twin: LiveServer, cloud_tenant: Tenant, s3: Any) -> None:
    assert make_bucket(live_twin, cloud_tenant.api_key, "from-the-api").status_code == 201
    s3.create_bucket(Bucket="from-s3")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["from-s3", "from-the-api"]
    s3.put_object(Bucket="from-the-api", Key="a", Body=b"12345")
    s3.put_object(Bucket="from-the-api", Key="b", Body=b"678")
    s3.put_object(Bucket="from-the-api", Key="b", Body=b"6789")  # a replaced object counts once
    with live_twin.http() as http:
        listed = http.get(f"{API}/storage/buckets", headers=cloud_tenant.service).json()
        assert listed["total"] == 2
        api_bucket = next(b for b in listed["buckets"] if b["name"] == "from-the-api")
        assert (api_bucket["object_count"], api_bucket["size_bytes"]) == (2, 9)
        assert http.delete(f"{API}/storage/buckets/from-the-api", headers=cloud_tenant.service).status_code == 409
        assert _error(s3.delete_bucket, Bucket="from-the-api") == ("BucketNotEmpty", 409)
        s3.delete_bucket(Bucket="from-s3")
        assert http.get(f"{API}/storage/buckets/from-s3", headers=cloud_tenant.service).status_code == 404
        assert make_bucket(live_twin, cloud_tenant.api_key, "from-s3").status_code == 409  # never reused


def test_replaced_and_deleted_objects_leave_no_bytes(live_twin: LiveServer, s3: Any) -> None:
    s3.create_bucket(Bucket="tidy")
    stored = live_twin.data_dir / "wayscloud-objects"

    def files() -> int:
        return sum(1 for p in stored.rglob("*") if p.is_file())

    s3.put_object(Bucket="tidy", Key="k", Body=b"first")
    s3.put_object(Bucket="tidy", Key="k", Body=b"second")
    assert files() == 1 and s3.get_object(Bucket="tidy", Key="k")["Body"].read() == b"second"
    s3.delete_object(Bucket="tidy", Key="k")
    assert files() == 0
