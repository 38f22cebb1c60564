"""GPU Studio: catalogues, jobs on the twin clock, real output files behind signed URLs, tiers, cancel, refusals."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key
from tests.packs.wayscloud.timed import advance, realistic  # noqa: F401  (fixture)
from twinstack.packs.wayscloud import media
from twinstack.packs.wayscloud.blobs import blobs

JOBS = f"{API}/gpu/jobs"
IMAGE = {"type": "image", "engine": "image-flux-fast",
         "inputs": {"prompt": "A serene mountain landscape at sunset", "aspect_ratio": "16:9", "seed": 7}}


def _download(client: TestClient, url: str) -> Any:
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def test_an_image_job_completes_on_the_clock_with_a_real_png(realistic: TestClient) -> None:
    headers = api_key(tenant_credentials(realistic)["credentials"]["wayscloud"]["api_key"])
    created = realistic.post(JOBS, headers=headers, json=IMAGE)
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["status"] == "queued" and job["estimated_cost"] == {"amount": 2.0, "currency": "NOK"}
    assert "output_files" not in job and "actual_cost" not in job
    advance(realistic, 7)
    halfway = realistic.get(f"{JOBS}/{job['id']}", headers=headers).json()
    assert halfway["status"] == "processing" and halfway["progress"] == 50
    assert [j["id"] for j in realistic.get(JOBS, headers=headers, params={"status": "processing"}).json()] == [job["id"]]
    advance(realistic, 6)
    done = realistic.get(f"{JOBS}/{job['id']}", headers=headers).json()
    assert done["status"] == "completed" and done["progress"] == 100 and done["actual_cost"] == done["estimated_cost"]
    png = _download(realistic, done["output_files"]["image"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG") and media.png_size(png.content) == (512, 288)
    again = realistic.get(f"{JOBS}/{job['id']}", headers=headers).json()
    assert _download(realistic, again["output_files"]["image"]).content == png.content
    assert realistic.get(JOBS, headers=headers, params={"status": "completed"}).json()[0]["id"] == job["id"]
    tampered = done["output_files"]["image"].replace("signature=", "signature=0")
    assert _download(realistic, tampered).status_code == 403
    assert _download(realistic, done["output_files"]["image"].split("signature=")[0] + "signature=%C3%A2").status_code == 403
    cancel = realistic.delete(f"{JOBS}/{job['id']}", headers=headers)
    assert cancel.status_code == 409 and cancel.json() == {"detail": "Job cannot be cancelled in status completed"}


def test_same_prompt_and_seed_same_image(client: TestClient, tenant: Tenant) -> None:
    first = client.post(JOBS, headers=tenant.service, json=IMAGE).json()
    second = client.post(JOBS, headers=tenant.service, json=IMAGE).json()
    one = client.get(f"{JOBS}/{first['id']}", headers=tenant.service).json()["output_files"]["image"]
    two = client.get(f"{JOBS}/{second['id']}", headers=tenant.service).json()["output_files"]["image"]
    assert _download(client, one).content == _download(client, two).content
    square = client.post(JOBS, headers=tenant.service, json={**IMAGE, "inputs": {"prompt": "x", "aspect_ratio": "9:16"}})
    url = client.get(f"{JOBS}/{square.json()['id']}", headers=tenant.service).json()["output_files"]["image"]
    assert media.png_size(_download(client, url).content) == (288, 512)


def test_a_queued_job_cancels(realistic: TestClient) -> None:
    headers = api_key(tenant_credentials(realistic)["credentials"]["wayscloud"]["api_key"])
    job = realistic.post(JOBS, headers=headers, json=IMAGE).json()
    assert realistic.delete(f"{JOBS}/{job['id']}", headers=headers).status_code == 204
    advance(realistic, 60)
    assert realistic.get(f"{JOBS}/{job['id']}", headers=headers).json()["status"] == "cancelled"


def test_pro_engines_need_the_pro_tier_and_make_video(client: TestClient, tenant: Tenant) -> None:
    video = {"type": "video", "engine": "video-veo-pro", "inputs": {"prompt": "waves", "duration_sec": 6}}
    refused = client.post(JOBS, headers=tenant.service, json=video)
    assert refused.status_code == 403 and "pro tier" in refused.json()["detail"]
    assert client.post("/_twinstack/wayscloud/gpu-tier", json={"tenant": tenant.id, "tier": "pro"}).status_code == 200
    made = client.post(JOBS, headers=tenant.service, json=video)
    assert made.status_code == 201 and made.json()["estimated_cost"]["amount"] == 60.0
    done = client.get(f"{JOBS}/{made.json()['id']}", headers=tenant.service).json()
    clip = _download(client, done["output_files"]["video"])
    assert clip.headers["content-type"] == "video/mp4" and media.mp4_duration(clip.content) == 6.0
    too_long = client.post(JOBS, headers=tenant.service, json={**video, "inputs": {"prompt": "w", "duration_sec": 9}})
    assert too_long.status_code == 400


def test_refusals(client: TestClient, tenant: Tenant) -> None:
    unknown = client.post(JOBS, headers=tenant.service, json={**IMAGE, "engine": "nope"})
    assert unknown.status_code == 400 and unknown.json()["detail"].startswith("Invalid engine")
    mismatch = client.post(JOBS, headers=tenant.service, json={**IMAGE, "type": "video"})
    assert mismatch.status_code == 400
    blocked = client.post(JOBS, headers=tenant.service, json={**IMAGE, "inputs": {"prompt": "something NSFW"}})
    assert blocked.status_code == 451
    no_prompt = client.post(JOBS, headers=tenant.service, json={**IMAGE, "inputs": {}})
    assert no_prompt.status_code == 400 and "prompt" in no_prompt.json()["detail"]
    assert client.get(f"{JOBS}/f47ac10b-58cc-4372-a567-0e02b2c3d479", headers=tenant.service).status_code == 404


def test_catalogues(client: TestClient) -> None:
    assert [e["engine"] for e in client.get(f"{API}/gpu/engines", params={"type": "video"}).json()] == ["video-veo-pro"]
    assert client.get(f"{API}/gpu/presets").json()[0]["name"] == "cinematic_light"
    eur = {p["engine"]: p for p in client.get(f"{API}/gpu/pricing", params={"currency": "EUR"}).json()}
    assert eur["image-flux-fast"]["price_per_unit"] == 0.17 and eur["image-flux-fast"]["currency"] == "EUR"


def test_reset_removes_the_files(client: TestClient, tenant: Tenant) -> None:
    job = client.post(JOBS, headers=tenant.service, json=IMAGE).json()
    url = client.get(f"{JOBS}/{job['id']}", headers=tenant.service).json()["output_files"]["image"]
    assert _download(client, url).status_code == 200
    twin = client.app.state.runtime.twins["wayscloud"]  # type: ignore[attr-defined]
    root = blobs(twin).root
    assert any(root.rglob("output.png"))
    assert client.post("/_twinstack/reset").status_code in (200, 204)
    assert not root.exists()
