"""WAYSCloud Storage: buckets shared by the REST API and S3, their REST view, and the S3 keys that sign requests.

Buckets and objects are the object driver's (``twinstack.drivers.objects``),
its rows in the cloud-wide pseudo-tenant since bucket names are global and
never reused. Each bucket is also a row of its owner's ``/v1/storage/buckets``
collection (name, region, creation time), which account-wide views read.

S3 keys: the tenant's own pair (``GET /v1/storage/credentials``, made on first
ask) and pairs limited to one bucket (``/v1/storage/buckets/{b}/keys``); each
is a cloud-wide row keyed by its access key, holding its secret (SigV4 needs
it) and tenant. Access keys are ``AKWC`` + 16 upper-case letters and digits,
secrets 40 characters, as the document's example.
"""

from __future__ import annotations

import os
import re
import secrets
import string
import uuid
from pathlib import Path
from typing import Any

from twinstack.drivers.objects import INDEXES as OBJECT_INDEXES, DiskBlobs, ObjectCatalog, open_blobs
from twinstack.engine.state import SHARED_TENANT
from twinstack.engine.twin import Twin
from twinstack.errors import FieldIssue, NotFound, ValidationFailed

KEYS = "storage/s3-keys"
"""Cloud-wide: access key -> ``{access_key, secret, tenant, bucket (None: all), id, name, created_at}``."""
OWN_KEY = "storage/credentials"
"""Tenant: ``s3`` -> ``{access_key}``, the tenant's own pair."""
MIRROR = "/v1/storage/buckets"
"""Tenant: bucket name -> ``{name, region, created_at}``."""

INDEXES: dict[str, tuple[str, ...]] = {**OBJECT_INDEXES, KEYS: ("tenant", "bucket", "id")}

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
TIERS = (
    {"name": "standard", "tier": "standard", "description": "General-purpose object storage",
     "price_per_gb_month": 0.5},
    {"name": "enterprise", "tier": "enterprise",
     "description": "Dedicated infrastructure with enhanced performance", "price_per_gb_month": 1.2},
)
S3_REGION = "eu-north-1"
DEFAULT_REGION = "no-oslo-1"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "/+"
_MEMO = "wayscloud.objects"
BLOB_DIR_ENV = "TWINSTACK_WAYSCLOUD_BLOB_DIR"
"""A directory for the object bytes instead of the default place (the data dir, or PostgreSQL chunk rows when
the state is there): servers sharing one PostgreSQL state may share it (a network file system) instead."""


def catalog(twin: Twin) -> ObjectCatalog:
    """The object driver of this twin (one per process, its PostgreSQL connection kept)."""
    found = twin.memo.get(_MEMO)
    if found is None:
        settings = twin.settings
        data_dir = Path(getattr(settings, "data_dir", None) or ".twinstack").resolve()
        shared_dir = os.environ.get(BLOB_DIR_ENV)
        blobs = DiskBlobs(Path(shared_dir).resolve()) if shared_dir else open_blobs(
            getattr(settings, "database_url", None), data_dir / "wayscloud-objects")
        found = twin.memo[_MEMO] = ObjectCatalog(twin.store, twin.slug, SHARED_TENANT, blobs, twin.clock.now)
    assert isinstance(found, ObjectCatalog)
    return found


def drop_bytes(twin: Twin) -> None:
    """Before a reset: the bytes of every object go with the records that name them."""
    objects = catalog(twin)
    objects.doomed.clear()
    objects.blobs.drop_all()


def check_bucket_name(name: str) -> None:
    """400 naming ``body.bucket_name`` unless ``name`` is a valid bucket name."""
    if not BUCKET_NAME.fullmatch(name):
        error = ValidationFailed(
            [FieldIssue("body", ("bucket_name",), "must match ^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", "pattern")],
            "Invalid bucket name. Must be 3-63 chars, lowercase, numbers, and hyphens only.")
        error.status = 400
        raise error


def create_bucket(twin: Twin, tenant: str, name: str, *, tier: str = "standard",
                  region: str = DEFAULT_REGION) -> dict[str, Any]:
    """A new bucket (Conflict when the name was ever taken), also listed in the owner's collection."""
    with twin.store.transaction():
        record = catalog(twin).create_bucket(name, tenant, tier=tier, region=region)
        twin.collection(tenant, MIRROR).put(name, {"name": name, "region": region,
                                                    "created_at": twin.clock.iso(record["created_at"])})
    return record


def delete_bucket(twin: Twin, tenant: str, name: str) -> None:
    with twin.store.transaction():
        catalog(twin).delete_bucket(name)
        twin.collection(tenant, MIRROR).delete(name)


def owned_bucket(twin: Twin, tenant: str, name: str) -> dict[str, Any]:
    """The tenant's bucket; 404 when it is absent or another tenant's."""
    found = catalog(twin).bucket(name)
    if found is None or found["owner"] != tenant:
        raise NotFound("Bucket not found")
    return found


def bucket_view(twin: Twin, record: dict[str, Any]) -> dict[str, Any]:
    """The document's ``StorageBucket`` with the official clients' names beside it."""
    count, size = catalog(twin).usage(str(record["name"]))
    return {
        "name": record["name"], "region": record.get("region", DEFAULT_REGION),
        "created_at": twin.clock.iso(float(record["created_at"])), "size_bytes": size, "object_count": count,
        "is_public": bool(record.get("is_public")), "bucket_name": record["name"],
        "tier": record.get("tier", "standard"), "is_active": True, "total_storage_gb": round(size / 1e9, 6),
        "total_objects": count,
    }


def _new_pair() -> tuple[str, str]:
    access = "AKWC" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    return access, "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def add_key(twin: Twin, tenant: str, *, bucket: str | None, name: str) -> dict[str, Any]:
    access, secret = _new_pair()
    record = {"id": str(uuid.uuid4()), "access_key": access, "secret": secret, "tenant": tenant, "bucket": bucket,
              "name": name, "created_at": twin.clock.iso()}
    twin.collection(SHARED_TENANT, KEYS).put(access, record)
    return record


def own_key(twin: Twin, tenant: str) -> dict[str, Any]:
    """The tenant's own S3 pair, made on first ask (one of racing askers wins; the others read its pair)."""
    mine = twin.collection(tenant, OWN_KEY)
    for _ in range(3):
        found = mine.get("s3")
        if found is not None:
            record = key_record(twin, str(found["access_key"]))
            if record is not None:
                return record
        record = add_key(twin, tenant, bucket=None, name="default")
        if mine.insert("s3", {"access_key": record["access_key"]}):
            return record
        twin.collection(SHARED_TENANT, KEYS).delete(str(record["access_key"]))
    raise RuntimeError("the tenant's S3 key could not be settled")


def key_record(twin: Twin, access_key: str) -> dict[str, Any] | None:
    return twin.collection(SHARED_TENANT, KEYS).get(access_key)


def bucket_keys(twin: Twin, tenant: str, bucket: str) -> list[dict[str, Any]]:
    return twin.collection(SHARED_TENANT, KEYS).find({"tenant": tenant, "bucket": bucket}, limit=1000).items


def drop_key(twin: Twin, tenant: str, bucket: str, key_id: str) -> None:
    keys = twin.collection(SHARED_TENANT, KEYS)
    found = keys.find_one(id=key_id)
    if found is None or found["tenant"] != tenant or found["bucket"] != bucket:
        raise NotFound("Key not found")
    keys.delete(str(found["access_key"]))


def s3_endpoint(base_url: str) -> str:
    """The S3 endpoint beside an API base URL: the path mount on the twin's own address, else the S3 host."""
    if base_url.endswith("/wayscloud"):
        return base_url[: -len("/wayscloud")] + "/wayscloud-s3"
    scheme = base_url.split("://", 1)[0] if "://" in base_url else "https"
    return f"{scheme}://storage.wayscloud.services"
