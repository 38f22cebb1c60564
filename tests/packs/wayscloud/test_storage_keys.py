"""Bucket keys (``/v1/storage/buckets/{b}/keys``) sign S3 requests for their bucket alone, until deleted."""

from __future__ import annotations

import botocore.exceptions
import pytest

from tests.conftest import LiveServer
from tests.packs.wayscloud.conftest import API, Tenant
from tests.packs.wayscloud.s3_clients import S3Keys, boto3_client, make_bucket, s3_keys


def test_a_bucket_key_reaches_its_bucket_only(live_twin: LiveServer, cloud_tenant: Tenant) -> None:
    for name in ("deploy-target", "elsewhere"):
        assert make_bucket(live_twin, cloud_tenant.api_key, name).status_code == 201
    with live_twin.http() as http:
        made = http.post(f"{API}/storage/buckets/deploy-target/keys", headers=cloud_tenant.service,
                         json={"name": "ci"})
        assert made.status_code == 201, made.text
    own = s3_keys(live_twin, cloud_tenant.api_key)
    scoped = boto3_client(S3Keys(made.json()["access_key"], made.json()["secret_key"], own.endpoint_url, own.region))
    scoped.put_object(Bucket="deploy-target", Key="release.tar", Body=b"v1")
    assert [b["Name"] for b in scoped.list_buckets()["Buckets"]] == ["deploy-target"]
    assert boto3_client(own).get_object(Bucket="deploy-target", Key="release.tar")["Body"].read() == b"v1"
    for call in (lambda: scoped.put_object(Bucket="elsewhere", Key="x", Body=b"x"),
                 lambda: scoped.list_objects_v2(Bucket="elsewhere"), lambda: scoped.create_bucket(Bucket="new-one")):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "AccessDenied"
    with live_twin.http() as http:
        gone = http.delete(f"{API}/storage/buckets/deploy-target/keys/{made.json()['id']}",
                           headers=cloud_tenant.service)
        assert gone.status_code == 200
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        scoped.list_objects_v2(Bucket="deploy-target")
    assert caught.value.response["Error"]["Code"] == "InvalidAccessKeyId"
