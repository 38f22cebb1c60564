"""GPU Studio's simulated inference: engines, presets, prices, tiers, and a job's life on the twin clock.

A job is ``queued`` for a second, then ``processing`` (image 12 s, video 90 s
at realistic speed, progress rising with the time spent), then ``completed``;
its state is derived on read from when it was queued. The output is made
the first time a completed job is read: a PNG of the requested aspect drawn
from prompt and seed, or an MP4 of the requested duration (``media.py``),
stored as a real file. Tiers are per tenant (``basic`` unless set through
the ``gpu-tier`` control); a pro engine for a basic tenant is 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JOBS = "gpu/jobs"
INDEXES: dict[str, tuple[str, ...]] = {JOBS: ("status",)}
QUEUED_SECONDS = 1.0
PROCESSING_SECONDS = {"image": 12.0, "video": 90.0}
TIER_KEY = "gpu-tier:wayscloud"
"""kv namespace: tenant -> ``basic`` | ``pro``."""
BLOCKED_WORDS = frozenset({"gore", "nsfw", "nude", "naked", "beheading", "terrorist"})
"""The safety filter: a prompt with any of these words is refused (451)."""

RATES = {"NOK": 1.0, "EUR": 0.085, "USD": 0.092, "SEK": 0.98, "DKK": 0.64}
"""Currency per NOK, for the pricing catalogue."""
STATES = ("queued", "processing", "completed")


@dataclass(frozen=True, slots=True)
class Engine:
    engine: str
    name: str
    description: str
    type: str
    tier: str | None
    price_nok: float
    unit: str
    max_duration_sec: int = 0

    def view(self) -> dict[str, Any]:
        out: dict[str, Any] = {"engine": self.engine, "name": self.name, "description": self.description,
                               "type": self.type, "available": True}
        if self.tier:
            out["tier_required"] = self.tier
        return out

    def price(self, currency: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "engine": self.engine, "sku": "gpu_" + self.engine.replace("-", "_"), "type": self.type,
            "unit": self.unit, "price_per_unit": round(self.price_nok * RATES[currency], 2), "currency": currency,
            "display_name": self.name, "description": self.description}
        if self.tier:
            out["tier_required"] = self.tier
        return out

    def cost(self, duration_sec: int) -> float:
        return round(self.price_nok * (duration_sec if self.unit == "seconds" else 1), 2)


ENGINES: dict[str, Engine] = {e.engine: e for e in (
    Engine("image-flux-fast", "FLUX Fast", "Quick image generation", "image", None, 2.0, "image"),
    Engine("image-flux-pro", "FLUX Pro", "High-quality images with fine details", "image", "pro", 5.0, "image"),
    Engine("video-veo-pro", "Veo Pro", "8-sec 1080p video", "video", "pro", 10.0, "seconds", 8),
)}
PRESETS: tuple[dict[str, Any], ...] = (
    {"name": "cinematic_light", "type": "image", "description": "Cinematic lighting style"},
    {"name": "studio_portrait", "type": "image", "description": "Soft studio portrait lighting"},
    {"name": "slow_pan", "type": "video", "description": "A slow horizontal camera pan"},
)


def blocked(prompt: str) -> bool:
    words = {w.strip(".,!?;:'\"()").lower() for w in prompt.split()}
    return bool(words & BLOCKED_WORDS)


def settle(job: dict[str, Any], now: float, factor: float) -> dict[str, Any]:
    """``job`` with its status and progress as of ``now`` (cancelled and failed jobs stay as they are)."""
    if job["status"] in ("cancelled", "failed"):
        return job
    queued_at = float(job["_queued_at"])
    processing_at = queued_at + QUEUED_SECONDS * factor
    done_at = processing_at + PROCESSING_SECONDS[str(job["type"])] * factor
    if now < processing_at:
        job.update(status="queued", progress=0)
    elif now < done_at:
        job.update(status="processing", progress=min(99, int(100 * (now - processing_at) / (done_at - processing_at))))
    else:
        job.update(status="completed", progress=100, _done_at=done_at)
    return job


def may_have_become(wanted: str) -> tuple[str, ...]:
    """Stored statuses a job now ``wanted`` may still carry."""
    return STATES[:STATES.index(wanted) + 1] if wanted in STATES else (wanted,)


def output_name(job: dict[str, Any]) -> str:
    return "output.png" if job["type"] == "image" else "output.mp4"


def blob_key(job_id: str, name: str) -> str:
    return f"gpu/{job_id}/{name}"
