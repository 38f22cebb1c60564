"""The production host names reach the twin without the slug prefix."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.packs.wayscloud.conftest import Tenant


def test_the_api_host_reaches_the_twin_without_the_prefix(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/v1/vps", headers={"Host": "api.wayscloud.services", **tenant.service})
    assert response.status_code == 200
    assert response.json()["instances"] == []


def test_the_api_host_answers_in_the_wayscloud_error_shape(client: TestClient) -> None:
    response = client.get("/v1/vps", headers={"Host": "api.wayscloud.services"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or missing API key"}


def test_the_llm_host_serves_the_openai_compatible_paths(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/v1/models", headers={"Host": "llm.wayscloud.services", **tenant.service})
    assert response.status_code == 200
