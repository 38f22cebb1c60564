"""Two ``twinstack serve`` on one PostgreSQL: an object written through one is read through the other, its bytes
in PostgreSQL chunk rows, or in a shared directory (``TWINSTACK_WAYSCLOUD_BLOB_DIR``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveServer
from tests.packs.wayscloud.s3_clients import boto3_client, s3_keys
from tests.store.pg import scratch_database

pytestmark = pytest.mark.postgres


@pytest.fixture(params=["chunk-rows", "shared-dir"])
def servers(request: pytest.FixtureRequest, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, LiveServer]]:
    if request.param == "shared-dir":
        monkeypatch.setenv("TWINSTACK_WAYSCLOUD_BLOB_DIR", str(tmp_path / "shared-blobs"))
    with scratch_database("twinstack_s3_shared") as url:
        args = ["--speed", "instant", "--strict", "--services", "wayscloud", "--database-url", url]
        first = LiveServer(tmp_path / "one" / "state", args)
        second = LiveServer(tmp_path / "two" / "state", args)
        for server in (first, second):
            server.data_dir.parent.mkdir(parents=True)
        first.start()
        try:
            second.start()
            try:
                yield first, second
            finally:
                second.stop()
        finally:
            first.stop()


def test_bytes_written_through_one_server_are_read_through_the_other(
    servers: tuple[LiveServer, LiveServer],
) -> None:
    first, second = servers
    with first.http() as http:
        tenant = http.post("/_twinstack/tenants", json={"name": "shared"}).json()
    api_key = tenant["credentials"]["wayscloud"]["api_key"]
    on_first, on_second = boto3_client(s3_keys(first, api_key)), boto3_client(s3_keys(second, api_key))
    on_first.create_bucket(Bucket="shared-bucket")
    small, big = os.urandom(3 * 1024 * 1024 + 5), os.urandom(10 * 1024 * 1024)
    on_first.put_object(Bucket="shared-bucket", Key="small.bin", Body=small)
    uid = on_first.create_multipart_upload(Bucket="shared-bucket", Key="big.bin")["UploadId"]
    one = on_first.upload_part(Bucket="shared-bucket", Key="big.bin", UploadId=uid, PartNumber=1, Body=big[:6 << 20])
    two = on_second.upload_part(Bucket="shared-bucket", Key="big.bin", UploadId=uid, PartNumber=2, Body=big[6 << 20:])
    on_second.complete_multipart_upload(Bucket="shared-bucket", Key="big.bin", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": one["ETag"]}, {"PartNumber": 2, "ETag": two["ETag"]}]})
    assert on_second.get_object(Bucket="shared-bucket", Key="small.bin")["Body"].read() == small
    assert on_first.get_object(Bucket="shared-bucket", Key="big.bin")["Body"].read() == big
    ranged = on_second.get_object(Bucket="shared-bucket", Key="big.bin", Range="bytes=1048570-1048585")
    assert ranged["Body"].read() == big[1048570:1048586]  # across the 1 MiB chunk rows
    assert [o["Key"] for o in on_second.list_objects_v2(Bucket="shared-bucket")["Contents"]] == ["big.bin",
                                                                                                 "small.bin"]
    on_second.delete_object(Bucket="shared-bucket", Key="small.bin")
    assert on_first.list_objects_v2(Bucket="shared-bucket")["KeyCount"] == 1
    for server in servers:  # the bytes live in PostgreSQL or the shared directory, not under a data dir
        assert not (server.data_dir / "wayscloud-objects").exists()
    shared = os.environ.get("TWINSTACK_WAYSCLOUD_BLOB_DIR")
    if shared:
        assert sum(1 for p in Path(shared).rglob("*") if p.is_file()) == 2  # big.bin's two parts, small.bin gone
