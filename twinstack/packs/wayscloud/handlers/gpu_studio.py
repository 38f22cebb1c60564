"""GPU Studio: public catalogues, jobs on the twin clock, cancel, and the generated files behind signed URLs."""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.engine.twin import Twin
from twinstack.errors import Conflict, Forbidden, NotFound, TwinError
from twinstack.packs.wayscloud import gpu_studio as studio
from twinstack.packs.wayscloud import media
from twinstack.packs.wayscloud.blobs import blobs, check_signed, presigned
from twinstack.packs.wayscloud.paging import by_settled_status

_OUTPUT_TTL = 3600.0
_TYPES = {"output.png": "image/png", "output.mp4": "video/mp4"}


async def list_gpu_engines(ctx: RequestContext) -> Any:
    kind = ctx.query.get("type")
    return [e.view() for e in studio.ENGINES.values() if not kind or e.type == kind]


async def list_gpu_presets(ctx: RequestContext) -> Any:
    kind = ctx.query.get("type")
    return [p for p in studio.PRESETS if not kind or p["type"] == kind]


async def get_gpu_pricing(ctx: RequestContext) -> Any:
    currency = str(ctx.query.get("currency") or "NOK")
    return [e.price(currency) for e in studio.ENGINES.values()]


def tier(twin: Twin, tenant: str) -> str:
    return str(twin.store.kv_get(studio.TIER_KEY, tenant) or "basic")


async def create_gpu_job(ctx: RequestContext) -> Any:
    body = ctx.body or {}
    engine = studio.ENGINES.get(str(body["engine"]))
    if engine is None or engine.type != body["type"]:
        raise TwinError("Invalid engine", status=400, field="body.engine", details={
            "detail": "Invalid engine. See GET /v1/gpu/engines for available options."})
    if engine.tier == "pro" and tier(ctx.twin, ctx.tenant) != "pro":
        raise Forbidden("Pro tier required", details={
            "detail": "This engine requires pro tier. Upgrade at my.wayscloud.services"})
    inputs = dict(body["inputs"])
    if studio.blocked(str(inputs.get("prompt", ""))):
        raise TwinError("Blocked", status=451, details={
            "detail": "Content blocked by safety filters. Revise your prompt."})
    duration = 0
    if engine.type == "video":
        duration = int(inputs.get("duration_sec") or engine.max_duration_sec)
        if not 1 <= duration <= engine.max_duration_sec:
            raise TwinError("Bad duration", status=400, field="body.inputs.duration_sec", details={
                "detail": f"inputs.duration_sec must be between 1 and {engine.max_duration_sec} for {engine.engine}"})
    preset = body.get("preset")
    if preset is not None and not any(p["name"] == preset and p["type"] == engine.type for p in studio.PRESETS):
        raise TwinError("Unknown preset", status=400, field="body.preset", details={
            "detail": "Invalid preset. See GET /v1/gpu/presets for available options."})
    job_id = str(uuid.uuid4())
    cost = {"amount": engine.cost(duration), "currency": "NOK"}
    job: dict[str, Any] = {
        "id": job_id, "type": engine.type, "engine": engine.engine, "status": "queued", "progress": 0,
        "estimated_cost": cost, "created_at": ctx.clock.iso(), "_queued_at": ctx.now,
        "_inputs": {"aspect_ratio": "16:9", **inputs, "duration_sec": duration}, "_preset": preset,
        "_webhook_url": body.get("webhook_url"),
    }
    ctx.collection(studio.JOBS).put(job_id, job)
    return Reply(_view(ctx, studio.settle(job, ctx.now, ctx.clock.factor)), status=201)


def _view(ctx: RequestContext, job: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in job.items() if not k.startswith("_")}
    if job["status"] == "completed":
        _ensure_output(ctx, job)
        name = studio.output_name(job)
        url = presigned(ctx.twin, ctx.base_url, f"/v1/gpu/files/{job['id']}/{name}", _OUTPUT_TTL)
        out.update(output_files={job["type"]: url}, actual_cost=job["estimated_cost"],
                   completed_at=ctx.clock.iso(float(job["_done_at"])))
    return out


def _ensure_output(ctx: RequestContext, job: dict[str, Any]) -> None:
    store = blobs(ctx.twin)
    key = studio.blob_key(str(job["id"]), studio.output_name(job))
    if store.exists(ctx.tenant, key):
        return
    inputs = job["_inputs"]
    if job["type"] == "image":
        width, height = media.ASPECTS[str(inputs.get("aspect_ratio") or "16:9")]
        data = media.png(width, height, str(inputs.get("prompt", "")), int(inputs.get("seed") or 0))
    else:
        data = media.mp4(int(inputs["duration_sec"]))
    store.write(ctx.tenant, key, data)


def _job(ctx: RequestContext) -> dict[str, Any]:
    job_id = str(ctx.path["job_id"])
    job = ctx.collection(studio.JOBS).get(job_id)
    if job is None:
        raise NotFound(f"Job {job_id} not found", field="job_id")
    stored = job["status"]
    studio.settle(job, ctx.now, ctx.clock.factor)
    if job["status"] != stored:
        ctx.collection(studio.JOBS).put(job_id, job)
    return job


async def list_gpu_jobs(ctx: RequestContext) -> Any:
    wanted = ctx.query.get("status")
    page, _total = by_settled_status(
        ctx.collection(studio.JOBS), wanted, studio.may_have_become(str(wanted)),
        lambda j: studio.settle(j, ctx.now, ctx.clock.factor),
        int(ctx.query.get("limit") or 50), int(ctx.query.get("offset") or 0))
    return [_view(ctx, j) for j in page]


async def get_gpu_job(ctx: RequestContext) -> Any:
    return _view(ctx, _job(ctx))


async def cancel_gpu_job(ctx: RequestContext) -> Any:
    job = _job(ctx)
    if job["status"] not in ("queued", "processing"):
        raise Conflict("Job cannot be cancelled", details={
            "detail": f"Job cannot be cancelled in status {job['status']}"})
    job.update(status="cancelled", completed_at=ctx.clock.iso())
    ctx.collection(studio.JOBS).put(str(job["id"]), job)
    return Reply(None, status=204)


async def download_gpu_file(ctx: RequestContext) -> Any:
    job_id, name = str(ctx.path["job_id"]), str(ctx.path["file_name"])
    check_signed(ctx.twin, f"/v1/gpu/files/{job_id}/{name}", ctx.query.get("expires"), ctx.query.get("signature"))
    found = ctx.store.find_any_tenant(ctx.slug, studio.JOBS, job_id)
    data = blobs(ctx.twin).read(found[0], studio.blob_key(job_id, name)) if found and name in _TYPES else None
    if data is None:
        raise NotFound("File not found", details={"detail": "File not found"})
    return Reply(data, raw=True, content_type=_TYPES[name])


async def set_gpu_tier(twin: Twin, body: dict[str, Any], request: Any) -> Any:
    """``POST /_twinstack/wayscloud/gpu-tier {"tenant", "tier": "basic"|"pro"}``: the plan a customer bought."""
    chosen = str(body.get("tier", ""))
    if chosen not in ("basic", "pro") or not body.get("tenant"):
        return {"error": "expected {\"tenant\": <id>, \"tier\": \"basic\"|\"pro\"}"}
    twin.store.kv_put(studio.TIER_KEY, str(body["tenant"]), chosen)
    return {"tenant": body["tenant"], "tier": chosen}


HANDLERS: dict[str, Handler] = {
    "listGpuEngines": list_gpu_engines,
    "listGpuPresets": list_gpu_presets,
    "getGpuPricing": get_gpu_pricing,
    "createGpuJob": create_gpu_job,
    "listGpuJobs": list_gpu_jobs,
    "getGpuJob": get_gpu_job,
    "cancelGpuJob": cancel_gpu_job,
    "downloadGpuFile": download_gpu_file,
}

INDEXES = studio.INDEXES
"""What these handlers look resources up by."""

CONTROLS = {"gpu-tier": set_gpu_tier}
"""What only the vendor's billing decides: a customer's GPU Studio tier."""
