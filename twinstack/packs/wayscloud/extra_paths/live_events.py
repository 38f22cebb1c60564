"""The replay download the twin's presigned replay URLs point at (the S3 twin's stand-in for recordings).

``GET /v1/live-events/replays/{recording_id}/recording.mp4?expires=&signature=``:
no credential, the signature (``blobs.presigned``) is the access, valid 7 days.
"""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def patch(doc: dict[str, Any]) -> None:
    query = [{"name": name, "in": "query", "required": True, "schema": schema}
             for name, schema in (("expires", {"type": "integer"}), ("signature", {"type": "string"}))]
    doc["paths"]["/v1/live-events/replays/{recording_id}/recording.mp4"] = {"get": {
        "tags": ["Live Events"], "summary": "Download a recording (presigned replay URL)",
        "operationId": "downloadLiveEventReplay", "security": [],
        "parameters": [{"name": "recording_id", "in": "path", "required": True, "schema": {"type": "string"}}, *query],
        "responses": {
            "200": {"description": "The recording", "content": {"video/mp4": {"schema": {
                "type": "string", "format": "binary"}}}},
            "403": {"description": "Signature invalid or expired", "content": {"application/json": {"schema": _ERROR}}},
            "404": {"description": "Recording not found", "content": {"application/json": {"schema": _ERROR}}},
        },
    }}


DOCUMENT_PATCHES = (patch,)
"""Added to the served document (``seed_fixes``)."""
