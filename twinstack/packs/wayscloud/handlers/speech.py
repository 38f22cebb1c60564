"""Speech Intelligence: transcript jobs, the presigned upload, confirmation, export and artifact downloads."""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import Conflict, NotFound, TwinError
from twinstack.packs.wayscloud import media
from twinstack.packs.wayscloud import speech as stt
from twinstack.packs.wayscloud.blobs import blobs, check_signed, presigned
from twinstack.packs.wayscloud.paging import by_settled_status


def _unprocessable(text: str) -> TwinError:
    return TwinError(text, status=422, details={"detail": text})


async def create_transcript_job(ctx: RequestContext) -> Any:
    body = ctx.body or {}
    if not stt.supported(str(body["filename"]), str(body["content_type"])):
        raise _unprocessable(f"Unsupported audio format. Supported: {', '.join(stt.SUPPORTED)}")
    job_id = str(uuid.uuid4())
    job: dict[str, Any] = {
        "job_id": job_id, "status": "created", "original_filename": body["filename"],
        "language": body.get("language") or "auto", "created_at": ctx.clock.iso(), "_created": ctx.now,
        "_content_type": body["content_type"], "_declared_size": body["file_size_bytes"],
    }
    ctx.collection(stt.JOBS).put(job_id, job)
    ctx.shared(stt.UPLOADS).put(job_id, {"tenant": ctx.tenant})
    url = presigned(ctx.twin, ctx.base_url, f"/v1/transcript/uploads/{job_id}", stt.UPLOAD_TTL)
    return {"job_id": job_id, "upload_url": url, "upload_expires_in": int(stt.UPLOAD_TTL)}


def _job(ctx: RequestContext, tenant: str | None = None) -> dict[str, Any]:
    job_id = str(ctx.path["job_id"])
    jobs = ctx.twin.collection(tenant or ctx.tenant, stt.JOBS)
    job = jobs.get(job_id)
    if job is None:
        raise NotFound(f"Job {job_id} not found", field="job_id")
    stored = job["status"]
    stt.settle(job, ctx.now, ctx.clock.factor)
    if job["status"] != stored:
        jobs.put(job_id, job)
    return job


def _artifact(ctx: RequestContext, job: dict[str, Any], fmt: str) -> dict[str, Any]:
    """The job's artifact in ``fmt``, written as a file the first time it is asked for."""
    aid = stt.artifact_id(str(job["job_id"]), fmt)
    artifacts = ctx.collection(stt.ARTIFACTS)
    found = artifacts.get(aid)
    if found is None:
        size = blobs(ctx.twin).write(ctx.tenant, stt.blob_key(str(job["job_id"]), f"transcript.{fmt}"),
                                     stt.render(fmt, job))
        found = {"job_id": job["job_id"], "format": fmt, "size_bytes": size}
        artifacts.put(aid, found)
    return {"artifact_id": aid, "format": fmt, "size_bytes": found["size_bytes"],
            "download_url": f"{ctx.base_url}/v1/transcript/artifacts/{aid}/download"}


def _view(ctx: RequestContext, job: dict[str, Any], detail: bool) -> dict[str, Any]:
    out = {k: v for k, v in job.items() if not k.startswith("_")}
    if job["status"] == "ready":
        out["completed_at"] = ctx.clock.iso(float(job["_done_at"]))
        if detail:
            out["segments"] = stt.segments(float(job["audio_duration_sec"]))
            made = [f for f in stt.FORMATS if f in ("txt", "json") or f in job.get("_exports", ())]
            out["artifacts"] = [_artifact(ctx, job, f) for f in made]
    return out


async def list_transcript_jobs(ctx: RequestContext) -> Any:
    limit, offset = int(ctx.query.get("limit") or 20), int(ctx.query.get("offset") or 0)
    wanted = ctx.query.get("status")
    page, total = by_settled_status(
        ctx.collection(stt.JOBS), wanted, stt.may_have_become(str(wanted)),
        lambda j: stt.settle(j, ctx.now, ctx.clock.factor), limit, offset)
    return {"jobs": [_view(ctx, j, False) for j in page], "total": total, "limit": limit, "offset": offset}


async def get_transcript_job(ctx: RequestContext) -> Any:
    return _view(ctx, _job(ctx), True)


async def delete_transcript_job(ctx: RequestContext) -> Any:
    job = _job(ctx)
    job_id = str(job["job_id"])
    store = blobs(ctx.twin)
    store.delete(ctx.tenant, stt.blob_key(job_id, "upload"))
    for fmt in stt.FORMATS:
        store.delete(ctx.tenant, stt.blob_key(job_id, f"transcript.{fmt}"))
        ctx.collection(stt.ARTIFACTS).delete(stt.artifact_id(job_id, fmt))
    ctx.collection(stt.JOBS).delete(job_id)
    ctx.shared(stt.UPLOADS).delete(job_id)
    return {"status": "deleted", "job_id": job_id}


async def upload_transcript_audio(ctx: RequestContext) -> Any:
    job_id = str(ctx.path["job_id"])
    check_signed(ctx.twin, f"/v1/transcript/uploads/{job_id}", ctx.query.get("expires"), ctx.query.get("signature"))
    slot = ctx.shared(stt.UPLOADS).get(job_id)
    if slot is None:
        raise NotFound(f"Job {job_id} not found", field="job_id")
    tenant = str(slot["tenant"])
    job = _job(ctx, tenant)
    if job["status"] != "created":
        raise Conflict("No upload expected", details={"detail": f"Job is {job['status']}; it takes no upload"})
    size = blobs(ctx.twin).write(tenant, stt.blob_key(job_id, "upload"), ctx.raw_body)
    job["_uploaded"] = size
    ctx.twin.collection(tenant, stt.JOBS).put(job_id, job)
    return Reply(None, status=200)


async def confirm_transcript_upload(ctx: RequestContext) -> Any:
    job = _job(ctx)
    if job["status"] in ("queued", "processing"):
        return Reply(None, status=200)
    data = blobs(ctx.twin).read(ctx.tenant, stt.blob_key(str(job["job_id"]), "upload")) if job.get("_uploaded") else None
    if job["status"] in stt.TERMINAL or data is None:
        raise _unprocessable("Upload not found in storage, or job is in a terminal state")
    info = media.audio_info(data)
    if info is None:
        job.update(status="failed", error_message="No audio stream found in the uploaded file",
                   completed_at=ctx.clock.iso())
    else:
        job.update(status="queued", audio_duration_sec=info.duration_sec, _confirmed_at=ctx.now,
                   language="en" if job.get("language") in (None, "auto") else job["language"])
    ctx.collection(stt.JOBS).put(str(job["job_id"]), job)
    return Reply(None, status=200)


async def export_transcript(ctx: RequestContext) -> Any:
    job = _job(ctx)
    if job["status"] != "ready":
        raise _unprocessable(f"Job is not in ready status. Current status: {job['status']}")
    fmt = str((ctx.body or {})["format"])
    if fmt not in job.get("_exports", ()):
        job["_exports"] = [*job.get("_exports", ()), fmt]
        ctx.collection(stt.JOBS).put(str(job["job_id"]), job)
    return _artifact(ctx, job, fmt)


async def download_transcript_artifact(ctx: RequestContext) -> Any:
    aid = str(ctx.path["artifact_id"])
    found = ctx.collection(stt.ARTIFACTS).get(aid)
    data = None
    if found is not None:
        data = blobs(ctx.twin).read(ctx.tenant, stt.blob_key(str(found["job_id"]), f"transcript.{found['format']}"))
    if found is None or data is None:
        raise NotFound(f"Artifact {aid} not found", field="artifact_id")
    return Reply(data, raw=True, content_type=stt.MEDIA_TYPES[str(found["format"])])


HANDLERS: dict[str, Handler] = {
    "createTranscriptJob": create_transcript_job,
    "listTranscriptJobs": list_transcript_jobs,
    "getTranscriptJob": get_transcript_job,
    "deleteTranscriptJob": delete_transcript_job,
    "confirmTranscriptUpload": confirm_transcript_upload,
    "exportTranscript": export_transcript,
    "uploadTranscriptAudio": upload_transcript_audio,
    "downloadTranscriptArtifact": download_transcript_artifact,
}

INDEXES = stt.INDEXES
"""What these handlers look resources up by."""
