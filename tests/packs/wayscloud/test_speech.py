"""Speech Intelligence: presigned upload of a real WAV, its real duration, processing on the clock, exports."""

from __future__ import annotations

import io
import wave
from typing import Any
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key
from tests.packs.wayscloud.timed import advance, realistic  # noqa: F401  (fixture)

JOBS = f"{API}/transcript/jobs"


def _wav(seconds: float, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x01" * int(seconds * rate))
    return out.getvalue()


def _create(client: TestClient, headers: dict[str, str], data: bytes, name: str = "meeting.wav") -> dict[str, Any]:
    response = client.post(JOBS, headers=headers, json={"filename": name, "content_type": "audio/wav",
                                                        "file_size_bytes": len(data)})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def _put(client: TestClient, url: str, data: bytes) -> Any:
    parts = urlsplit(url)
    return client.put(f"{parts.path}?{parts.query}", content=data, headers={"Content-Type": "audio/wav"})


def test_upload_process_and_export_on_the_clock(realistic: TestClient) -> None:
    headers = api_key(tenant_credentials(realistic)["credentials"]["wayscloud"]["api_key"])
    audio = _wav(60.0)
    created = _create(realistic, headers, audio)
    assert created["upload_expires_in"] == 3600
    url = f"{JOBS}/{created['job_id']}"
    early = realistic.post(f"{url}/upload-complete", headers=headers)
    assert early.status_code == 422 and early.json()["detail"].startswith("Upload not found")
    assert _put(realistic, created["upload_url"], audio).status_code == 200
    assert realistic.post(f"{url}/upload-complete", headers=headers).status_code == 200
    assert realistic.post(f"{url}/upload-complete", headers=headers).status_code == 200
    queued = realistic.get(url, headers=headers).json()
    assert queued["status"] == "queued" and queued["audio_duration_sec"] == 60.0
    not_ready = realistic.post(f"{url}/export", headers=headers, json={"format": "srt"})
    assert not_ready.status_code == 422 and not_ready.json() == {
        "detail": "Job is not in ready status. Current status: queued"}
    advance(realistic, 2)
    assert realistic.get(url, headers=headers).json()["status"] == "processing"
    advance(realistic, 5 + 0.023 * 60)
    ready = realistic.get(url, headers=headers).json()
    assert ready["status"] == "ready" and ready["processing_time_ms"] == round((1 + 5 + 0.023 * 60) * 1000)
    assert len(ready["segments"]) == 12 and ready["segments"][-1]["end_time"] == 60.0
    assert sorted(a["format"] for a in ready["artifacts"]) == ["json", "txt"]
    srt = realistic.post(f"{url}/export", headers=headers, json={"format": "srt"}).json()
    text = realistic.get(urlsplit(srt["download_url"]).path, headers=headers)
    assert text.status_code == 200 and text.text.startswith("1\n00:00:00,000 --> 00:00:05,000\n")
    assert len(text.content) == srt["size_bytes"]
    vtt = realistic.post(f"{url}/export", headers=headers, json={"format": "vtt"}).json()
    assert realistic.get(urlsplit(vtt["download_url"]).path, headers=headers).text.startswith("WEBVTT\n\n00:00:00.000")
    listed = realistic.get(JOBS, headers=headers, params={"status": "ready"}).json()
    assert [j["job_id"] for j in listed["jobs"]] == [created["job_id"]] and listed["total"] == 1
    deleted = realistic.delete(url, headers=headers).json()
    assert deleted == {"status": "deleted", "job_id": created["job_id"]}
    assert realistic.get(url, headers=headers).status_code == 404
    assert realistic.get(urlsplit(srt["download_url"]).path, headers=headers).status_code == 404


def test_no_upload_within_an_hour_expires(realistic: TestClient) -> None:
    headers = api_key(tenant_credentials(realistic)["credentials"]["wayscloud"]["api_key"])
    created = _create(realistic, headers, b"x" * 10)
    advance(realistic, 3601)
    assert realistic.get(f"{JOBS}/{created['job_id']}", headers=headers).json()["status"] == "expired"
    assert _put(realistic, created["upload_url"], _wav(1)).status_code == 403
    assert realistic.get(JOBS, headers=headers, params={"status": "expired"}).json()["total"] == 1


def test_a_file_without_audio_fails(client: TestClient, tenant: Tenant) -> None:
    created = _create(client, tenant.service, b"not audio at all")
    assert _put(client, created["upload_url"], b"not audio at all").status_code == 200
    client.post(f"{JOBS}/{created['job_id']}/upload-complete", headers=tenant.service)
    failed = client.get(f"{JOBS}/{created['job_id']}", headers=tenant.service).json()
    assert failed["status"] == "failed" and failed["error_message"] == "No audio stream found in the uploaded file"
    again = client.post(f"{JOBS}/{created['job_id']}/upload-complete", headers=tenant.service)
    assert again.status_code == 422


def test_refusals(client: TestClient, tenant: Tenant) -> None:
    bad = client.post(JOBS, headers=tenant.service, json={"filename": "a.exe", "content_type": "application/x-dos",
                                                          "file_size_bytes": 10})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("Unsupported audio format")
    big = client.post(JOBS, headers=tenant.service, json={"filename": "a.wav", "content_type": "audio/wav",
                                                          "file_size_bytes": 2147483649})
    assert big.status_code == 422
    created = _create(client, tenant.service, b"x")
    forged = created["upload_url"].replace("signature=", "signature=f")
    assert _put(client, forged, b"x").status_code == 403
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    assert client.get(f"{JOBS}/{created['job_id']}", headers=other).status_code == 404
