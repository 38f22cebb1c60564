"""ODIN Functions through HTTP: activation on the clock, drafts, a real build check, deploy, runtime, validation."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant

GOOD = 'exports.handler = async (event, ctx) => { return { statusCode: 200, body: "Hello" }; };'
BROKEN = "exports.handler = async (event) => { return { statusCode: 200 ;"


def _url(tenant: Tenant, rest: str = "") -> str:
    return f"{API}/projects/{tenant.project_id}/functions{rest}"


def _settle(client: TestClient) -> None:
    """Let the twin run what is due now (jobs scheduled at --speed instant)."""
    assert client.post("/_twinstack/clock/advance", json={"seconds": 0}).status_code == 200


def _activate(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    started = client.post(_url(tenant, "/settings/activate"), headers=tenant.key_headers, json={
        "locationCity": "frankfurt", "locationContinent": "europe", "locationCountry": "de"})
    assert started.status_code == 201, started.text
    assert started.json() == {"message": "Activation started"}
    _settle(client)
    settings: dict[str, Any] = client.get(_url(tenant, "/settings"), headers=tenant.key_headers).json()
    return settings


def _events(client: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    store = client.app.state.runtime.store  # type: ignore[attr-defined]
    return list(store.find("odin", tenant.id, "events", where={"projectId": tenant.project_id}).items)


def test_activation_walks_its_steps_to_complete_and_emits_fleet_events(client: TestClient, tenant: Tenant) -> None:
    before = client.get(_url(tenant, "/settings"), headers=tenant.key_headers).json()
    assert before["isActivated"] is False and before["maxFunctions"] == 10 and before["maxMemoryPerFunction"] == 512
    settings = _activate(client, tenant)
    assert settings["isActivated"] is True and settings["activationStep"] == "complete"
    assert settings["resourcePackageSlug"] == "fleet-s1" and settings["locationCity"] == "frankfurt"
    assert all(settings[k] for k in ("fleetAppId", "fleetRegistryId", "fleetImageId", "fleetServerConfigId",
                                     "fleetDeploymentId"))
    fleet = [e for e in _events(client, tenant) if e["source"] == "fleet:api"]
    assert [e["type"] for e in fleet] == ["image.created", "image.ready", "config.created", "config.ready",
                                          "deployment.created", "server.created", "server.started", "server.running"]
    again = client.post(_url(tenant, "/settings/activate"), headers=tenant.key_headers, json={
        "locationCity": "frankfurt", "locationContinent": "europe", "locationCountry": "de"})
    assert again.status_code == 400
    status = client.get(_url(tenant, "/settings/runtime-status"), headers=tenant.key_headers).json()
    assert status["status"] == "running" and status["serverCount"] == 1 and status["upgradeAvailable"] is False


@pytest.mark.skipif(shutil.which("node") is None, reason="the syntax check needs Node.js")
def test_a_broken_version_fails_its_build_and_a_fixed_one_deploys(client: TestClient, tenant: Tenant) -> None:
    _activate(client, tenant)
    made = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "Process Webhook", "code": BROKEN})
    assert made.status_code == 201, made.text
    function = made.json()
    assert function["slug"] == "process-webhook" and function["status"] == "draft"
    assert function["projectId"] == tenant.project_id and function["tenantId"] == tenant.id
    assert (function["draftEntrypoint"], function["runtime"], function["authMode"], function["timeout"],
            function["memory"]) == ("handler", "nodejs20", "api_key", 30000, 256)

    first = client.post(_url(tenant, f"/{function['id']}/publish"), headers=tenant.key_headers, json={"changelog": "v1"})
    assert first.status_code == 201, first.text
    assert first.json()["message"] == "Version 1 published successfully"
    assert first.json()["version"]["status"] == "building"
    _settle(client)
    [failed] = client.get(_url(tenant, f"/{function['id']}/versions"), headers=tenant.key_headers).json()
    assert failed["status"] == "failed" and "SyntaxError" in failed["buildLogs"] and failed["buildError"]

    fixed = client.put(_url(tenant, f"/{function['id']}"), headers=tenant.key_headers, json={"draftCode": GOOD})
    assert fixed.status_code == 200 and fixed.json()["draftCode"] == GOOD
    second = client.post(_url(tenant, f"/{function['id']}/publish"), headers=tenant.key_headers, json={})
    assert second.json()["version"]["version"] == 2
    _settle(client)
    versions = client.get(_url(tenant, f"/{function['id']}/versions"), headers=tenant.key_headers).json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "ready"), (1, "failed")]
    assert versions[1]["code"] == BROKEN

    deployed = client.post(_url(tenant, f"/{function['id']}/deploy"), headers=tenant.key_headers)
    assert deployed.status_code == 201, deployed.text
    body = deployed.json()
    assert body["message"] == "Deployment started" and body["deployment"]["status"] == "pending"
    assert body["invokeUrl"].endswith(f"/invoke/{tenant.project_id}/process-webhook")
    _settle(client)
    current = client.get(_url(tenant, f"/{function['id']}"), headers=tenant.key_headers).json()
    assert current["status"] == "published" and current["publishedVersionId"] == versions[0]["id"]
    assert current["activeDeployment"]["status"] == "running" and current["activeDeployment"]["requestCount"] == 0
    stopped = client.post(_url(tenant, f"/{function['id']}/stop"), headers=tenant.key_headers)
    assert stopped.status_code == 200
    assert client.get(_url(tenant, f"/{function['id']}"), headers=tenant.key_headers).json()[
        "activeDeployment"]["status"] == "stopped"


def test_a_missing_entrypoint_fails_the_build(client: TestClient, tenant: Tenant) -> None:
    _activate(client, tenant)
    made = client.post(_url(tenant), headers=tenant.key_headers,
                       json={"name": "other", "code": "exports.main = async () => 1;", "entrypoint": "handler"}).json()
    client.post(_url(tenant, f"/{made['id']}/publish"), headers=tenant.key_headers, json={})
    _settle(client)
    [version] = client.get(_url(tenant, f"/{made['id']}/versions"), headers=tenant.key_headers).json()
    assert version["status"] == "failed" and version["buildError"] == "Entrypoint 'handler' is not exported"


def test_secret_environment_values_are_masked_and_restart_the_runtime(client: TestClient, tenant: Tenant) -> None:
    _activate(client, tenant)
    updated = client.put(_url(tenant, "/settings/env-vars"), headers=tenant.key_headers, json={"envVars": [
        {"key": "API_KEY", "value": "sk-live-123", "isSecret": True}, {"key": "MODE", "value": "prod"}]})
    assert updated.status_code == 200, updated.text
    assert updated.json()["settings"]["envVars"] == [
        {"key": "API_KEY", "value": "***", "isSecret": True}, {"key": "MODE", "value": "prod", "isSecret": False}]
    _settle(client)
    assert client.get(_url(tenant, "/settings/runtime-status"), headers=tenant.key_headers).json()["status"] == "running"
    restarts = [e for e in _events(client, tenant) if e["type"] == "server.running"]
    assert len(restarts) == 2  # the activation's server, then the restart the change caused
    exported = client.get("/_twinstack/state/export").text
    assert "sk-live-123" not in exported
    bad = client.put(_url(tenant, "/settings/env-vars"), headers=tenant.key_headers,
                     json={"envVars": [{"key": "lower-case", "value": "x"}]})
    assert bad.status_code == 400 and bad.json()["message"] == ["envVars.0.key must match /^[A-Z_][A-Z0-9_]*$/"]


def test_runtime_stop_start_and_upgrade_pass_through_their_states(client: TestClient, tenant: Tenant) -> None:
    _activate(client, tenant)
    stop = client.post(_url(tenant, "/settings/runtime/stop"), headers=tenant.key_headers)
    assert stop.json() == {"message": "Runtime stopping", "status": "stopping"}
    _settle(client)
    assert client.get(_url(tenant, "/settings/runtime-status"), headers=tenant.key_headers).json()["status"] == "stopped"
    assert client.post(_url(tenant, "/settings/runtime/start"), headers=tenant.key_headers).json()["status"] == "starting"
    unknown = client.post(_url(tenant, "/settings/runtime/upgrade"), headers=tenant.key_headers, json={"version": "v9"})
    assert unknown.status_code == 400 and unknown.json()["message"] == ["version must be a known runtime version"]
    upgraded = client.post(_url(tenant, "/settings/runtime/upgrade"), headers=tenant.key_headers, json={"version": "v1"})
    assert upgraded.status_code == 200 and upgraded.json()["runtimeVersion"] == "v1"
    assert upgraded.json()["upgradeAvailable"] is True
    versions = client.get(_url(tenant, "/settings/runtime/versions"), headers=tenant.key_headers).json()
    assert versions["current"] == "v1" and versions["latest"] == "v2"


def test_functions_validate_their_input(client: TestClient, tenant: Tenant) -> None:
    first = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "my fn", "code": GOOD})
    assert first.status_code == 201
    clash = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "My FN", "code": GOOD})
    assert clash.status_code == 409 and clash.json()["message"] == "Function with this slug already exists"
    memory = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "big", "code": GOOD, "memory": 1024})
    assert memory.status_code == 400 and memory.json()["message"] == ["memory must not be greater than 512"]
    timeout = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "t", "code": GOOD, "timeout": 10})
    assert timeout.status_code == 400 and timeout.json()["message"][0].startswith("timeout")
    missing = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "x"})
    assert missing.status_code == 400 and "code should not be empty" in missing.json()["message"]
    unpublishable = client.post(_url(tenant, f"/{first.json()['id']}/publish"), headers=tenant.key_headers, json={})
    assert unpublishable.status_code == 400
    _activate(client, tenant)
    good = client.put(_url(tenant, "/settings/dependencies"), headers=tenant.key_headers,
                      json={"dependencies": [{"name": "axios", "version": "^1.7.0"}, {"name": "zod", "version": "next"}]})
    assert good.status_code == 200 and len(good.json()["settings"]["dependencies"]) == 2
    bad = client.put(_url(tenant, "/settings/dependencies"), headers=tenant.key_headers,
                     json={"dependencies": [{"name": "Bad Name", "version": "^x"}]})
    assert bad.status_code == 400
    assert bad.json()["message"] == ["dependencies.0.name must be a valid npm package name",
                                     "dependencies.0.version must be a semver range or a dist tag"]


def test_fleet_credentials_name_the_account(client: TestClient, tenant: Tenant) -> None:
    for headers in (tenant.key_headers, tenant.bearer_headers):
        verified = client.post(_url(tenant, "/settings/verify-credentials"), headers=headers)
        assert verified.status_code == 200 and verified.json() == {"valid": True, "email": tenant.email}


def test_npm_packages_and_catalogues(client: TestClient, tenant: Tenant) -> None:
    found = client.get(_url(tenant, "/npm-package/node-mailjet"), headers=tenant.key_headers)
    assert found.status_code == 200 and found.json()["versions"][0] == found.json()["distTags"]["latest"]
    assert client.get(_url(tenant, "/npm-package/no-such-package-here"), headers=tenant.key_headers).status_code == 404
    packages = client.get(_url(tenant, "/settings/resource-packages"), headers=tenant.key_headers).json()
    assert packages[0]["slug"] == "fleet-s1" and packages[0]["memoryLimitMiB"] == 512
    assert "frankfurt" in [p["city"] for p in client.get(_url(tenant, "/settings/locations"),
                                                         headers=tenant.key_headers).json()]


def test_functions_are_the_tenants_own(client: TestClient, tenant: Tenant) -> None:
    made = client.post(_url(tenant), headers=tenant.key_headers, json={"name": "mine", "code": GOOD}).json()
    other = {"X-API-Key": tenant_credentials(client)["credentials"]["odin"]["api_key"]}
    assert client.get(_url(tenant, f"/{made['id']}"), headers=other).status_code == 403
    assert client.get(_url(tenant, "/settings"), headers=other).status_code == 403
    assert client.get(_url(tenant, "/00000000-0000-4000-8000-000000000000"), headers=tenant.key_headers).status_code == 404
    assert client.delete(_url(tenant, f"/{made['id']}"), headers=tenant.key_headers).json() == {
        "message": "Function deleted successfully"}
    assert client.get(_url(tenant, f"/{made['id']}"), headers=tenant.key_headers).status_code == 404
    assert client.post(_url(tenant), headers=tenant.key_headers, json={"name": "mine", "code": GOOD}).status_code == 201
