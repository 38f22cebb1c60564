"""Apps: the simulated runtime on the twin clock, quotas, bad input, env vars, logs, soft delete."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key
from tests.packs.wayscloud.timed import advance, realistic  # noqa: F401  (fixture)

APPS = f"{API}/apps"
IMAGE = "ghcr.io/acme-corp/invoice-api:v2.4.1"


def _create(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(APPS, headers=headers, json={"name": "invoice-api", **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_create_deploy_stop_start_on_the_clock(realistic: TestClient) -> None:
    headers = api_key(tenant_credentials(realistic)["credentials"]["wayscloud"]["api_key"])
    app = _create(realistic, headers, port=3000)
    assert app["status"] == "creating" and app["plan"] == app["plan_id"] == "app-basic" and app["region"] == "no"
    assert app["id"].startswith("app_") and len(app["id"]) == 29 and app["short_id"] == app["id"][20:28]
    assert app["default_url"] == f"invoice-api-{app['short_id']}.apps.wayscloud.services"
    url = f"{APPS}/{app['id']}"
    advance(realistic, 3)
    stopped = realistic.get(url, headers=headers).json()
    assert stopped["status"] == "stopped" and stopped["status_message"] == "No deployment yet"
    deployed = realistic.post(f"{url}/deploy/image", headers=headers, json={"image_uri": IMAGE}).json()
    assert deployed["app_id"] == app["id"] and deployed["status"] == "pending"
    assert deployed["revision_id"].startswith("rev_") and deployed["preflight_warnings"] == []
    assert realistic.get(url, headers=headers).json()["status"] == "deploying"
    assert realistic.get(f"{url}/logs", headers=headers).json()["logs"] == []
    advance(realistic, 41)
    running = realistic.get(url, headers=headers).json()
    assert running["status"] == "running" and running["active_image"] == running["image_uri"] == IMAGE
    assert running["active_revision_id"] == deployed["revision_id"] and running["running_instances"] == 1
    logs = realistic.get(f"{url}/logs", headers=headers, params={"lines": 2}).json()
    assert [line["message"] for line in logs["logs"]][-1] == "Server listening on port 3000"
    assert logs["has_more"] is True and len(logs["logs"]) == 2
    assert realistic.post(f"{url}/stop", headers=headers).json()["success"] is True
    assert realistic.get(url, headers=headers).json()["status"] == "stopping"
    advance(realistic, 6)
    assert realistic.get(url, headers=headers).json()["status"] == "stopped"
    realistic.post(f"{url}/start", headers=headers)
    assert realistic.get(url, headers=headers).json()["status"] == "deploying"
    advance(realistic, 41)
    assert realistic.get(url, headers=headers).json()["status"] == "running"


def test_scale_to_zero_after_the_idle_timeout(realistic: TestClient) -> None:
    headers = api_key(tenant_credentials(realistic)["credentials"]["wayscloud"]["api_key"])
    app = _create(realistic, headers, plan="app-starter")
    url = f"{APPS}/{app['id']}"
    realistic.patch(url, headers=headers, json={"min_instances": 0, "scale_to_zero_enabled": True,
                                                 "idle_timeout_minutes": 5})
    realistic.post(f"{url}/deploy/image", headers=headers, json={"image_uri": "nginx:latest"})
    advance(realistic, 41)
    assert realistic.get(url, headers=headers).json()["is_scaled_to_zero"] is False
    advance(realistic, 300)
    idle = realistic.get(url, headers=headers).json()
    assert idle["is_scaled_to_zero"] is True and idle["running_instances"] == 0 and idle["status"] == "running"
    realistic.post(f"{url}/start", headers=headers)
    advance(realistic, 41)
    assert realistic.get(url, headers=headers).json()["is_scaled_to_zero"] is False


def test_an_app_is_found_by_id_short_id_slug_or_name(client: TestClient, tenant: Tenant) -> None:
    app = _create(client, tenant.service, name="Invoice API", slug="invoices")
    for ref in (app["id"], app["short_id"], "invoices", "Invoice API"):
        assert client.get(f"{APPS}/{ref}", headers=tenant.service).json()["id"] == app["id"]
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    assert client.get(f"{APPS}/{app['id']}", headers=other).status_code == 404


def test_bad_fields_are_422_in_fastapi_shape(client: TestClient, tenant: Tenant) -> None:
    assert client.post(APPS, headers=tenant.service, json={"name": "x", "plan": "nope"}).status_code == 422
    plan = client.post(APPS, headers=tenant.service, json={"name": "abc", "plan": "nope"})
    assert plan.status_code == 422 and plan.json()["detail"][0]["loc"] == ["body", "plan"]
    app = _create(client, tenant.service)
    url = f"{APPS}/{app['id']}"
    for body, field in (({"region": "se"}, "region"), ({"min_instances": 1, "max_instances": 2}, "max_instances"),
                        ({"plan": "app-pro"}, "plan")):
        response = client.patch(url, headers=tenant.service, json=body)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", field], body
    bad = client.post(f"{url}/deploy/image", headers=tenant.service, json={"image_uri": "quay.io/org/app:1"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "image_uri"]
    duplicate = client.post(APPS, headers=tenant.service, json={"name": "invoice-api"})
    assert duplicate.status_code == 422


def test_the_plan_quota_is_402_and_a_region_without_platform_503(client: TestClient, tenant: Tenant) -> None:
    for n in range(3):
        _create(client, tenant.service, name=f"app-{n}")
    full = client.post(APPS, headers=tenant.service, json={"name": "app-3"})
    assert full.status_code == 402 and "allows 3 apps" in full.json()["detail"]
    listed = client.get(APPS, headers=tenant.service, params={"page_size": 2, "page": 2}).json()
    assert listed["total"] == 3 and [a["name"] for a in listed["apps"]] == ["app-2"] and listed["page_size"] == 2
    sweden = _create(client, tenant.service, name="nordic", region="se", plan="app-starter")
    response = client.post(f"{APPS}/{sweden['id']}/deploy/image", headers=tenant.service, json={"image_uri": IMAGE})
    assert response.status_code == 503 and response.json() == {"detail": "No host available in the requested region"}


def test_env_vars_replace_unless_the_sdk_merges(client: TestClient, tenant: Tenant) -> None:
    app = _create(client, tenant.service, env_vars={"A": "1"})
    url = f"{APPS}/{app['id']}"
    assert client.patch(url, headers=tenant.service, json={"env_vars": {"B": "2"}}).json()["env_vars"] == {"B": "2"}
    sdk = {**tenant.service, "User-Agent": "wayscloud-sdk-python/0.5.0"}
    assert client.patch(url, headers=sdk, json={"env_vars": {"C": "3"}}).json()["env_vars"] == {"B": "2", "C": "3"}
    assert client.patch(url, headers=sdk, json={"env_vars": {"B": None}}).json()["env_vars"] == {"C": "3"}
    assert client.get(url, headers=tenant.service).json()["env_vars"] == {"C": "3"}


def test_delete_is_soft_then_404(realistic: TestClient) -> None:
    headers = api_key(tenant_credentials(realistic)["credentials"]["wayscloud"]["api_key"])
    app = _create(realistic, headers)
    url = f"{APPS}/{app['id']}"
    assert realistic.delete(url, headers=headers).json()["success"] is True
    assert realistic.get(url, headers=headers).json()["status"] == "deleting"
    assert realistic.post(f"{url}/start", headers=headers).status_code == 404
    assert realistic.get(APPS, headers=headers).json()["total"] == 0
    advance(realistic, 6)
    assert realistic.get(url, headers=headers).status_code == 404


def test_catalogues_carry_the_client_defaults(client: TestClient, tenant: Tenant) -> None:
    plans = {p["code"]: p for p in client.get(f"{APPS}/plans", headers=tenant.service).json()}
    assert {"app-basic", "app-starter"} <= set(plans) and plans["app-starter"]["cpu"] == 1.0
    regions = client.get(f"{APPS}/regions", headers=tenant.service).json()
    assert [(r["code"], r["app_platform_available"]) for r in regions] == [("no", True), ("se", False)]
