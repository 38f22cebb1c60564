"""``cloud storage`` (the official CLI) on the live twin: buckets, keys, visibility, tiers; the key it prints
signs S3 requests."""

from __future__ import annotations

from tests.conftest import LiveServer
from tests.packs.wayscloud.clients import CloudCLI
from tests.packs.wayscloud.conftest import Tenant
from tests.packs.wayscloud.s3_clients import S3Keys, boto3_client, s3_keys


def test_cloud_storage_commands(cloud: CloudCLI, cloud_tenant: Tenant, live_twin: LiveServer) -> None:
    assert cloud("login", "--token", cloud_tenant.pat).code == 0
    assert cloud("storage", "buckets-create", "cli-assets", "--tier", "enterprise").code == 0
    s3 = boto3_client(s3_keys(live_twin, cloud_tenant.api_key))
    s3.put_object(Bucket="cli-assets", Key="logo.png", Body=b"\x89PNG" + b"0" * 996)
    listed = cloud("--json", "storage", "buckets").json()
    assert [(b["bucket_name"], b["tier"], b["total_objects"], b["size_bytes"]) for b in listed] == [
        ("cli-assets", "enterprise", 1, 1000)]
    table = cloud("storage", "buckets")
    assert "cli-assets" in table.stdout and "enterprise" in table.stdout
    made = cloud("--json", "storage", "keys-create", "cli-assets", "--name", "deploy").json()
    keys = cloud("--json", "storage", "keys", "cli-assets").json()
    assert [k["access_key"] for k in keys] == [made["access_key"]]
    own = s3_keys(live_twin, cloud_tenant.api_key)
    scoped = boto3_client(S3Keys(made["access_key"], made["secret_key"], own.endpoint_url, own.region))
    assert scoped.get_object(Bucket="cli-assets", Key="logo.png")["Body"].read()[:4] == b"\x89PNG"
    assert cloud("storage", "visibility", "cli-assets", "--public").code == 0
    assert cloud("--json", "storage", "buckets-info", "cli-assets").json()["is_public"] is True
    tiers = cloud("--json", "storage", "tiers").json()
    assert {t["name"] for t in tiers} == {"standard", "enterprise"}
    assert cloud("storage", "keys-delete", "cli-assets", "--key-id", made["id"], "--confirm").code == 0
    assert cloud("--json", "storage", "keys", "cli-assets").json() == []
    refused = cloud("storage", "buckets-delete", "cli-assets", "--confirm")
    assert refused.code != 0  # not empty: 409
    s3.delete_object(Bucket="cli-assets", Key="logo.png")
    assert cloud("storage", "buckets-delete", "cli-assets", "--confirm").code == 0
    assert cloud("--json", "storage", "buckets").json() == []
