"""Storage (6 operations, plus the bucket keys, visibility and tiers the official clients call) and the S3 mount.

Buckets made here and through S3 are one set (``storage``); sizes and object
counts are the object driver's counters. Deleting a bucket that still holds
objects is 409, as the document says (its client's help text says the
contents go with it; the document wins). The S3 protocol itself is the
``s3`` mount at ``/wayscloud-s3`` and on ``storage.wayscloud.services``.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.parts import Mount
from twinstack.packs.wayscloud import storage
from twinstack.packs.wayscloud.s3.app import s3_app


def _bucket_name(ctx: RequestContext) -> str:
    return str(ctx.path["bucket_name"])


async def list_buckets(ctx: RequestContext) -> Any:
    records = sorted(storage.catalog(ctx.twin).buckets_of(ctx.tenant), key=lambda r: str(r["name"]))
    return {"buckets": [storage.bucket_view(ctx.twin, r) for r in records], "total": len(records)}


async def create_bucket(ctx: RequestContext) -> Any:
    body = ctx.body or {}
    name = str(body["bucket_name"])
    storage.check_bucket_name(name)
    region = str(body.get("region") or storage.DEFAULT_REGION)
    storage.create_bucket(ctx.twin, ctx.tenant, name, tier=str(body.get("tier") or "standard"), region=region)
    return Reply({"success": True, "bucket_name": name, "message": f"Bucket '{name}' created successfully",
                  "endpoint": storage.s3_endpoint(ctx.base_url), "region": region}, status=201)


async def get_bucket(ctx: RequestContext) -> Any:
    return storage.bucket_view(ctx.twin, storage.owned_bucket(ctx.twin, ctx.tenant, _bucket_name(ctx)))


async def delete_bucket(ctx: RequestContext) -> Any:
    name = _bucket_name(ctx)
    storage.owned_bucket(ctx.twin, ctx.tenant, name)
    storage.delete_bucket(ctx.twin, ctx.tenant, name)
    await storage.catalog(ctx.twin).release()
    return {"success": True, "message": f"Bucket '{name}' deleted successfully"}


async def get_credentials(ctx: RequestContext) -> Any:
    record = storage.own_key(ctx.twin, ctx.tenant)
    return {"access_key_id": record["access_key"], "secret_access_key": record["secret"],
            "endpoint_url": storage.s3_endpoint(ctx.base_url), "region": storage.S3_REGION}


def _key_view(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "name": record["name"], "access_key": record["access_key"],
            "bucket_name": record["bucket"], "created_at": record["created_at"]}


async def list_bucket_keys(ctx: RequestContext) -> Any:
    name = _bucket_name(ctx)
    storage.owned_bucket(ctx.twin, ctx.tenant, name)
    return [_key_view(r) for r in storage.bucket_keys(ctx.twin, ctx.tenant, name)]


async def create_bucket_key(ctx: RequestContext) -> Any:
    name = _bucket_name(ctx)
    storage.owned_bucket(ctx.twin, ctx.tenant, name)
    label = str((ctx.body or {}).get("name") or "bucket key")
    record = storage.add_key(ctx.twin, ctx.tenant, bucket=name, name=label)
    return Reply({**_key_view(record), "secret_key": record["secret"],
                  "endpoint_url": storage.s3_endpoint(ctx.base_url), "region": storage.S3_REGION}, status=201)


async def delete_bucket_key(ctx: RequestContext) -> Any:
    name = _bucket_name(ctx)
    storage.owned_bucket(ctx.twin, ctx.tenant, name)
    storage.drop_key(ctx.twin, ctx.tenant, name, str(ctx.path["key_id"]))
    return {"success": True, "message": "Key deleted"}


async def set_visibility(ctx: RequestContext) -> Any:
    name = _bucket_name(ctx)
    storage.owned_bucket(ctx.twin, ctx.tenant, name)
    record = storage.catalog(ctx.twin).update_bucket(name, is_public=bool((ctx.body or {})["is_public"]))
    return storage.bucket_view(ctx.twin, record)


async def list_tiers(ctx: RequestContext) -> Any:
    return {"tiers": [dict(t) for t in storage.TIERS]}


HANDLERS: dict[str, Handler] = {
    "listBuckets": list_buckets,
    "createBucket": create_bucket,
    "getBucket": get_bucket,
    "deleteBucket": delete_bucket,
    "getStorageCredentials": get_credentials,
    "listBucketKeys": list_bucket_keys,
    "createBucketKey": create_bucket_key,
    "deleteBucketKey": delete_bucket_key,
    "setBucketVisibility": set_visibility,
    "listStorageTiers": list_tiers,
}

INDEXES = storage.INDEXES

MOUNTS = (Mount("s3", "/wayscloud-s3", s3_app, hosts=("storage.wayscloud.services",)),)

ON_RESET = (storage.drop_bytes,)
