"""The file paths GPU Studio and Speech Intelligence hand out, which the document names only by example.

- ``GET /v1/gpu/files/{job_id}/{file_name}``: a generated image or video,
  behind a presigned URL (``expires`` + ``signature``; no credential).
- ``PUT /v1/transcript/uploads/{job_id}``: the presigned upload URL of a
  transcript job (the body is the audio, any media type).
- ``GET /v1/transcript/artifacts/{artifact_id}/download``: a transcript
  artifact, the URL the document's ``TranscriptArtifact`` example shows.
"""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_BINARY = {"type": "string", "format": "binary"}
_SIGNED = [
    {"name": "expires", "in": "query", "required": True, "schema": {"type": "integer"},
     "description": "Unix time the URL stops working"},
    {"name": "signature", "in": "query", "required": True, "schema": {"type": "string"}},
]


def _path(name: str, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": description}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def patch(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    paths["/v1/gpu/files/{job_id}/{file_name}"] = {"get": {
        "tags": ["GPU Studio"], "summary": "Download a generated file (presigned)", "operationId": "downloadGpuFile",
        "security": [], "parameters": [_path("job_id"), _path("file_name"), *_SIGNED],
        "responses": {
            "200": {"description": "The file", "content": {"image/png": {"schema": _BINARY},
                                                            "video/mp4": {"schema": _BINARY}}},
            "403": _error("Signature invalid or expired"), "404": _error("File not found"),
        },
    }}
    paths["/v1/transcript/uploads/{job_id}"] = {"put": {
        "tags": ["Speech Intelligence"], "summary": "Upload the audio of a transcript job (presigned)",
        "operationId": "uploadTranscriptAudio", "security": [], "parameters": [_path("job_id"), *_SIGNED],
        "requestBody": {"required": True, "content": {"application/octet-stream": {"schema": _BINARY},
                                                      "*/*": {"schema": _BINARY}}},
        "responses": {"200": {"description": "Stored"}, "403": _error("Signature invalid or expired"),
                      "404": _error("Job not found"), "409": _error("Job no longer takes an upload")},
    }}
    paths["/v1/transcript/artifacts/{artifact_id}/download"] = {"get": {
        "tags": ["Speech Intelligence"], "summary": "Download a transcript artifact",
        "operationId": "downloadTranscriptArtifact", "security": [{"ServiceAuth": []}, {"ApiKeyAuth": []}],
        "parameters": [_path("artifact_id")],
        "responses": {
            "200": {"description": "The artifact", "content": {
                "text/plain": {"schema": {"type": "string"}}, "application/json": {"schema": {}},
                "application/x-subrip": {"schema": {"type": "string"}}, "text/vtt": {"schema": {"type": "string"}}}},
            "401": _error("Invalid or missing API key"), "404": _error("Artifact not found"),
        },
    }}

DOCUMENT_PATCHES = (patch,)
"""Added to the served document (``seed_fixes``)."""
