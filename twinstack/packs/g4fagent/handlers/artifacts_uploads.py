"""Artifacts / Uploads: project artifacts (real ZIPs), chunked uploads, the files they make, and their bytes.

See ``artifacts`` and ``uploads`` for what is stored where. ``download_url`` and
the upload ``url`` are paths under the mounted base path
(``/g4fagent/api/v1/...``), as upstream's are under its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Control, Handler
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import artifacts, uploads
from twinstack.packs.g4fagent.errors import ApiError
from twinstack.packs.g4fagent.handlers.projects import PROJECTS
from twinstack.packs.g4fagent.records import Family, body_of, iso, new_id, text, text_list
from twinstack.packs.g4fagent.workspace import Workspace

ARTIFACTS = Family(noun="artifact", collection="/artifacts", prefix="artifact", id_param="artifact_id",
                   label="Artifact", keyed=("type",), indexed=("project_id",))
UPLOADS = Family(noun="upload", collection="/uploads", prefix="upload", id_param="upload_id", label="Upload")
FILES = Family(noun="file", collection="/files", prefix="file", id_param="file_id", label="File")


def base_path(ctx: RequestContext) -> str:
    return urlparse(ctx.base_url).path.rstrip("/")


async def get_projects_project_id_artifacts(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    return ARTIFACTS.page(ctx, {"project_id": project["id"]}, filters=("type",))


async def post_projects_project_id_artifacts(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    body = body_of(ctx)
    kind = text(body, "type", required=True)
    label = text(body, "label")
    paths = text_list(body, "paths")
    artifact_id = new_id(ARTIFACTS.prefix)
    target = uploads.blob_path(ctx.twin, ctx.tenant, "artifacts", artifact_id)
    extra: dict[str, Any] = {}
    if kind.lower() == "zip":
        ws = Workspace.of(ctx.twin, ctx.tenant, project)
        with ws.lock():
            extra["file_count"] = artifacts.build_zip(ws, paths, target)
    else:
        artifacts.write_descriptor(target, {"type": kind, "label": label, "project_id": project["id"],
                                            "paths": paths, "created_at": iso(ctx.now)})
    download_url = f"{base_path(ctx)}/artifacts/{artifact_id}"
    record = {"id": artifact_id, "project_id": project["id"], "type": kind, "label": label, "paths": paths,
              "size_bytes": target.stat().st_size, "sha256": uploads.sha256_of(target), "download_url": download_url,
              "created_at": iso(ctx.now), **extra}
    ARTIFACTS.save(ctx, record)
    return {"artifact_id": artifact_id, "download_url": download_url}


async def get_artifacts_artifact_id(ctx: RequestContext) -> dict[str, Any]:
    return ARTIFACTS.wrap(ARTIFACTS.load(ctx))


async def post_uploads(ctx: RequestContext) -> dict[str, Any]:
    body = body_of(ctx)
    filename = text(body, "filename", required=True)
    content_type = text(body, "content_type", required=True)
    if "size_bytes" not in body:
        raise ApiError(400, "invalid_request", "size_bytes is required.", field="size_bytes",
                       details={"field": "size_bytes"})
    size = uploads.size_of(body["size_bytes"])
    upload_id, file_id = new_id(UPLOADS.prefix), new_id(FILES.prefix)
    path = uploads.blob_path(ctx.twin, ctx.tenant, "uploads", file_id)
    uploads.create_blob(path)
    stamp = iso(ctx.now)
    complete = size == 0
    file = {"id": file_id, "filename": uploads.safe_filename(filename), "size_bytes": 0, "content_type": content_type,
            "created_at": stamp, "complete": complete, "sha256": uploads.sha256_of(path) if complete else None,
            "upload_id": upload_id}
    upload = {"id": upload_id, "file_id": file_id, "size_bytes": size, "_ranges": [], "created_at": stamp}
    with ctx.store.transaction():
        FILES.save(ctx, file)
        UPLOADS.save(ctx, upload)
    return {"upload_id": upload_id, "method": "PUT", "url": f"{base_path(ctx)}/uploads/{upload_id}", "headers": {},
            "file_id": file_id}


async def put_uploads_upload_id(ctx: RequestContext) -> dict[str, Any]:
    upload = UPLOADS.load(ctx)
    size = int(upload["size_bytes"])
    data = ctx.raw_body
    path = uploads.blob_path(ctx.twin, ctx.tenant, "uploads", str(upload["file_id"]))
    chunk = uploads.chunk_range(ctx.headers.get("content-range"), size, len(data))
    with uploads.locked(path):
        # Read again under the lock: another worker may have written a chunk meanwhile.
        upload = UPLOADS.load(ctx)
        if not path.exists():
            uploads.create_blob(path)
        if chunk is None:
            if len(data) != size:
                raise ApiError(400, "invalid_request",
                               f"The body has {len(data)} bytes; the upload's size_bytes is {size} "
                               "(send Content-Range for a part).", field="size_bytes", details={"field": "size_bytes"})
            uploads.write_whole(path, data)
            ranges: uploads.Ranges = [[0, size]] if size else []
        else:
            ranges = uploads.write_chunk(path, upload.get("_ranges") or [], chunk[0], data)
        upload["_ranges"] = ranges
        file = FILES.load(ctx, str(upload["file_id"]))
        done = uploads.received(ranges) >= size
        file["size_bytes"] = size if done else uploads.received(ranges)
        file["complete"] = done
        file["sha256"] = uploads.sha256_of(path) if done else None
        with ctx.store.transaction():
            UPLOADS.save(ctx, upload)
            FILES.save(ctx, file)
    return {"ok": True}


async def get_files_file_id(ctx: RequestContext) -> dict[str, Any]:
    file = FILES.load(ctx)
    return FILES.wrap({k: v for k, v in file.items() if k != "upload_id"})


async def download(twin: Twin, body: dict[str, Any], request: Request) -> Response:
    """``GET /_twinstack/g4fagent/download?id=<file or artifact id>``: the stored bytes."""
    rid = str(request.query_params.get("id") or body.get("id") or "")
    for family, kind in ((FILES, "uploads"), (ARTIFACTS, "artifacts")):
        if not rid.startswith(family.prefix + "_"):
            continue
        found = twin.store.find_any_tenant(twin.slug, family.collection, rid)
        if found is None:
            break
        tenant, record = found
        path = uploads.blob_path(twin, tenant, kind, rid)
        if kind == "uploads" and not record.get("complete"):
            return JSONResponse({"error": "incomplete", "message": f"Upload of {rid} is not complete."}, 409)
        if path.is_file():
            name = str(record.get("filename") or f"{rid}.{'zip' if record.get('type') == 'zip' else 'json'}")
            media = str(record.get("content_type") or ("application/zip" if record.get("type") == "zip"
                                                      else "application/json"))
            return FileResponse(path, media_type=media, filename=name)
    return JSONResponse({"error": "not_found", "message": f"No file or artifact {rid!r}."}, 404)


HANDLERS: dict[str, Handler] = {
    "get_projects_project_id_artifacts": get_projects_project_id_artifacts,
    "post_projects_project_id_artifacts": post_projects_project_id_artifacts,
    "get_artifacts_artifact_id": get_artifacts_artifact_id,
    "post_uploads": post_uploads,
    "put_uploads_upload_id": put_uploads_upload_id,
    "post_uploads_upload_id": put_uploads_upload_id,
    "get_files_file_id": get_files_file_id,
}

INDEXES: dict[str, tuple[str, ...]] = dict(family.index() for family in (ARTIFACTS, UPLOADS, FILES))
CONTROLS: dict[str, Control] = {"download": download}
ON_RESET = (uploads.drop_all,)
