"""Storage operations the SDK and CLI call that the document lacks, with shapes taken from the clients.

``GET``/``POST /v1/storage/buckets/{bucket_name}/keys`` and
``DELETE …/keys/{key_id}`` (S3 keys limited to one bucket),
``PATCH /v1/storage/buckets/{bucket_name}/visibility`` (``{is_public}``) and
``GET /v1/storage/tiers``; and the clients' names of a bucket's fields
(``bucket_name``, ``tier``, ``is_active``, ``total_storage_gb``,
``total_objects``) beside the document's in ``StorageBucket``.
"""

from __future__ import annotations

import copy
from typing import Any

_REF = "#/components/schemas/"
_SECURITY: list[dict[str, list[str]]] = [{"ServiceAuth": []}]
_BUCKET = {"name": "bucket_name", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "Bucket name"}
_KEY_ID = {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}, "description": "Key ID"}
_ERROR = {"$ref": f"{_REF}Error"}

_KEY_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string"}, "name": {"type": "string"}, "access_key": {"type": "string"},
    "bucket_name": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
}
_KEY_CREATED = {"type": "object", "required": ["id", "access_key", "secret_key"], "properties": {
    **_KEY_PROPERTIES, "secret_key": {"type": "string"}, "endpoint_url": {"type": "string"},
    "region": {"type": "string"},
}}
_KEY = {"type": "object", "required": ["id", "name", "access_key", "created_at"], "properties": _KEY_PROPERTIES}
_KEY_CREATE = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 100}}}
_VISIBILITY = {"type": "object", "required": ["is_public"], "properties": {"is_public": {"type": "boolean"}}}
_TIER = {"type": "object", "required": ["name", "tier", "description"], "properties": {
    "name": {"type": "string"}, "tier": {"type": "string"}, "description": {"type": "string"},
    "price_per_gb_month": {"type": "number"},
}}
_ALIASES = {
    "bucket_name": {"type": "string"}, "tier": {"type": "string", "enum": ["standard", "enterprise"]},
    "is_active": {"type": "boolean"}, "total_storage_gb": {"type": "number"}, "total_objects": {"type": "integer"},
}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": copy.deepcopy(schema)}}}


def _operation(operation_id: str, summary: str, responses: dict[str, Any], *, parameters: list[Any],
               body: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"tags": ["Storage"], "summary": summary, "operationId": operation_id,
                          "security": _SECURITY, "parameters": copy.deepcopy(parameters), "responses": responses}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": copy.deepcopy(body)}}}
    return op


def patch(doc: dict[str, Any]) -> None:
    """Add the storage operations the clients call, and the clients' bucket field names, to ``doc``."""
    paths = doc["paths"]
    not_found = _json(_ERROR, "Bucket or key not found")
    bad = _json(_ERROR, "Invalid request")
    paths["/v1/storage/buckets/{bucket_name}/keys"] = {
        "get": _operation("listBucketKeys", "S3 keys of a bucket", {
            "200": _json({"type": "array", "items": _KEY}), "404": not_found,
        }, parameters=[_BUCKET]),
        "post": _operation("createBucketKey", "Create an S3 key limited to a bucket", {
            "201": _json(_KEY_CREATED, "Created"), "404": not_found, "422": bad,
        }, parameters=[_BUCKET], body=_KEY_CREATE),
    }
    paths["/v1/storage/buckets/{bucket_name}/keys/{key_id}"] = {"delete": _operation(
        "deleteBucketKey", "Delete a bucket's S3 key", {"200": _json({"$ref": f"{_REF}DeleteSuccess"}),
                                                        "404": not_found},
        parameters=[_BUCKET, _KEY_ID])}
    paths["/v1/storage/buckets/{bucket_name}/visibility"] = {"patch": _operation(
        "setBucketVisibility", "Make a bucket public or private", {
            "200": _json({"$ref": f"{_REF}StorageBucket"}), "404": not_found, "422": bad,
        }, parameters=[_BUCKET], body=_VISIBILITY)}
    paths["/v1/storage/tiers"] = {"get": _operation("listStorageTiers", "Storage tiers", {
        "200": _json({"type": "object", "properties": {"tiers": {"type": "array", "items": _TIER}}}),
    }, parameters=[])}
    bucket = doc["components"]["schemas"]["StorageBucket"]
    bucket.setdefault("properties", {}).update(copy.deepcopy(_ALIASES))


DOCUMENT_PATCHES = (patch,)
"""Added to the served document (``seed_fixes``)."""
