"""Speech Intelligence's simulated transcription: a job's life, its segments and its artifacts.

A job is ``created`` with a presigned upload URL; without an upload within an
hour it is ``expired``. ``upload-complete`` reads the uploaded file for real
(``media.audio_info``): no audio makes it ``failed`` with an
``error_message``; otherwise it is ``queued`` for a second, then
``processing`` for 5 s + 2.3 % of the audio's length (realistic speed), then
``ready``. States are derived on read from the stored timestamps.
Segments are placeholder sentences, one per ``SEGMENT_SECONDS`` of audio;
``txt`` and ``json`` artifacts exist once ready, ``srt`` and ``vtt`` are
made on demand by export, each a real file.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

JOBS = "speech/jobs"
ARTIFACTS = "speech/artifacts"
"""artifact id -> ``{job_id, format, size_bytes}``."""
UPLOADS = "speech/uploads"
"""Shared: job id -> ``{tenant}``, so the credential-less upload URL finds its job."""
INDEXES: dict[str, tuple[str, ...]] = {JOBS: ("status",)}

UPLOAD_TTL = 3600.0
QUEUED_SECONDS = 1.0
SEGMENT_SECONDS = 5.0
TERMINAL = ("ready", "failed", "expired")
STATES = ("created", "queued", "processing", "ready")
FORMATS = ("txt", "json", "srt", "vtt")
MEDIA_TYPES = {"txt": "text/plain", "json": "application/json", "srt": "application/x-subrip", "vtt": "text/vtt"}
SUPPORTED = ("mp3", "wav", "m4a", "ogg", "flac")
_SUPPORTED_TYPES = ("audio/", "video/mp4", "video/webm", "application/ogg")
_SENTENCES = (
    "Welcome, everyone, and thank you for joining.",
    "Let us go through the agenda for today.",
    "First, a short update on the project status.",
    "The numbers for the last quarter look good.",
    "Are there any questions so far?",
    "Let us move on to the next item.",
)


def supported(filename: str, content_type: str) -> bool:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return extension in SUPPORTED or content_type.lower().startswith(_SUPPORTED_TYPES)


def processing_seconds(duration: float) -> float:
    return 5.0 + 0.023 * duration


def settle(job: dict[str, Any], now: float, factor: float) -> dict[str, Any]:
    status = job["status"]
    if status == "created" and now >= float(job["_created"]) + UPLOAD_TTL:
        job["status"] = "expired"
    elif status in ("queued", "processing"):
        confirmed = float(job["_confirmed_at"])
        started = confirmed + QUEUED_SECONDS * factor
        done = started + processing_seconds(float(job["audio_duration_sec"])) * factor
        job["status"] = "queued" if now < started else "processing" if now < done else "ready"
        if job["status"] == "ready":
            job["_done_at"] = done
            job["processing_time_ms"] = int(round((done - confirmed) * 1000))
    return job


def may_have_become(wanted: str) -> tuple[str, ...]:
    """Stored statuses a job now ``wanted`` may still carry (``created`` only ever becomes ``expired``)."""
    if wanted == "expired":
        return ("created", "expired")
    if wanted in STATES[1:]:
        return STATES[1:STATES.index(wanted) + 1]
    return (wanted,)


def segments(duration: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = 0.0
    while start < duration:
        end = min(start + SEGMENT_SECONDS, duration)
        out.append({"segment_index": len(out), "start_time": round(start, 3), "end_time": round(end, 3),
                    "text": _SENTENCES[len(out) % len(_SENTENCES)], "confidence": 0.9})
        start = end
    return out


def artifact_id(job_id: str, fmt: str) -> str:
    return str(uuid.uuid5(uuid.UUID(job_id), fmt))


def blob_key(job_id: str, name: str) -> str:
    return f"speech/{job_id}/{name}"


def render(fmt: str, job: dict[str, Any]) -> bytes:
    parts = segments(float(job["audio_duration_sec"]))
    if fmt == "txt":
        return ("\n".join(s["text"] for s in parts) + "\n").encode()
    if fmt == "json":
        return json.dumps({"job_id": job["job_id"], "language": job.get("language"),
                           "audio_duration_sec": job["audio_duration_sec"], "segments": parts}, indent=2).encode()
    cues = []
    for n, s in enumerate(parts, 1):
        span = f"{_stamp(s['start_time'], fmt)} --> {_stamp(s['end_time'], fmt)}"
        cues.append(f"{n}\n{span}\n{s['text']}\n" if fmt == "srt" else f"{span}\n{s['text']}\n")
    head = "" if fmt == "srt" else "WEBVTT\n\n"
    return (head + "\n".join(cues)).encode()


def _stamp(seconds: float, fmt: str) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{',' if fmt == 'srt' else '.'}{millis:03d}"
