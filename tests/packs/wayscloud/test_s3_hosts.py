"""S3 by host name: ``storage.wayscloud.services`` (path style) and ``<bucket>.storage.wayscloud.services``
(virtual-host style), signed by botocore for those URLs and sent to the twin's port with that ``Host``."""

from __future__ import annotations

from typing import Any

import httpx
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conftest import LiveServer
from tests.packs.wayscloud.conftest import Tenant
from tests.packs.wayscloud.s3_clients import S3Keys, boto3_client, s3_keys


def send_signed(live: LiveServer, keys: S3Keys, method: str, url: str, body: bytes = b"") -> httpx.Response:
    request = AWSRequest(method=method, url=url, data=body)
    S3SigV4Auth(Credentials(keys.access_key_id, keys.secret_access_key), "s3", keys.region).add_auth(request)
    headers: dict[str, Any] = dict(request.headers.items())
    host, _, path = url.removeprefix("http://").partition("/")
    headers["Host"] = host
    return httpx.request(method, f"{live.url}/{path}", headers=headers, content=body)


def test_virtual_host_and_path_style_on_the_storage_host(live_twin: LiveServer, cloud_tenant: Tenant) -> None:
    keys = s3_keys(live_twin, cloud_tenant.api_key)
    boto3_client(keys).create_bucket(Bucket="by-host")
    put = send_signed(live_twin, keys, "PUT", "http://by-host.storage.wayscloud.services/notes/today.txt",
                      b"virtual host")
    assert put.status_code == 200, put.text
    got = send_signed(live_twin, keys, "GET", "http://storage.wayscloud.services/by-host/notes/today.txt")
    assert got.status_code == 200 and got.content == b"virtual host"
    listed = send_signed(live_twin, keys, "GET",
                         "http://by-host.storage.wayscloud.services/?list-type=2&prefix=notes%2F")
    assert listed.status_code == 200 and b"<Key>notes/today.txt</Key>" in listed.content
    wrong = S3Keys(keys.access_key_id, "y" * 40, keys.endpoint_url, keys.region)
    refused = send_signed(live_twin, wrong, "GET", "http://by-host.storage.wayscloud.services/notes/today.txt")
    assert refused.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in refused.content
