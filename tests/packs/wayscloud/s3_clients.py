"""boto3 and AWS CLI on the live WAYSCloud twin, with a tenant's S3 keys from ``GET /v1/storage/credentials``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import httpx
from botocore.config import Config

from tests.conftest import LiveServer

API = "/wayscloud/v1"


@dataclass(slots=True)
class S3Keys:
    access_key_id: str
    secret_access_key: str
    endpoint_url: str
    region: str


def s3_keys(live: LiveServer, api_key: str) -> S3Keys:
    with live.http() as http:
        response = http.get(f"{API}/storage/credentials", headers={"X-API-Key": api_key})
    assert response.status_code == 200, response.text
    found = response.json()
    return S3Keys(found["access_key_id"], found["secret_access_key"], found["endpoint_url"], found["region"])


def boto3_client(keys: S3Keys, *, secret: str | None = None, region: str | None = None,
                 endpoint_url: str | None = None, **config: Any) -> Any:
    return boto3.client(
        "s3", endpoint_url=endpoint_url or keys.endpoint_url, aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=secret or keys.secret_access_key, region_name=region or keys.region,
        config=Config(retries={"max_attempts": 1}, **config),
    )


def make_bucket(live: LiveServer, api_key: str, name: str, **extra: Any) -> httpx.Response:
    with live.http() as http:
        return http.post(f"{API}/storage/buckets", headers={"X-API-Key": api_key}, json={"bucket_name": name, **extra})
