"""Apps through the official SDK (``client.apps``), unchanged: defaults, deploy, env vars one key per call, delete."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from wayscloud.exceptions import ConflictError, NotFoundError, ValidationError

from tests.packs.wayscloud.clients import sdk_on
from tests.packs.wayscloud.conftest import Tenant


def test_the_sdk_runs_an_app_from_create_to_delete(client: TestClient, tenant: Tenant) -> None:
    sdk = sdk_on(client, token=tenant.api_key)
    app = sdk.apps.create("hello-web")
    assert app["plan"] == "app-basic" and app["region"] == "no" and app["port"] == 8080
    assert [a["id"] for a in sdk.apps.list()] == [app["id"]]
    deployed = sdk.apps.deploy(app["short_id"], "traefik/whoami")
    assert deployed["status"] == "pending"
    running = sdk.apps.get("hello-web")
    assert running["status"] == "running" and running["image_uri"] == "traefik/whoami"
    assert sdk.apps.logs(app["id"])[-1]["message"] == "Server listening on port 8080"
    sdk.apps.set_env(app["id"], "A", "1")
    sdk.apps.set_env(app["id"], "B", "2")
    sdk.apps.unset_env(app["id"], "A")
    assert sdk.apps.env_vars(app["id"]) == {"B": "2"}
    assert sdk.apps.stop(app["id"])["success"] is True and sdk.apps.get(app["id"])["status"] == "stopped"
    assert sdk.apps.restart(app["id"])["success"] is True and sdk.apps.get(app["id"])["status"] == "running"
    with pytest.raises(ValidationError):
        sdk.apps.deploy(app["id"], "quay.io/x/y:1")
    assert {"app-basic", "app-starter"} <= {p["code"] for p in sdk.apps.plans()}
    assert sdk.apps.regions()[0]["code"] == "no"
    sdk.apps.delete(app["id"])
    with pytest.raises(NotFoundError):
        sdk.apps.get(app["id"])


def test_a_pat_drives_the_apps_too(client: TestClient, tenant: Tenant) -> None:
    sdk = sdk_on(client, token=tenant.pat)
    assert sdk.apps.create("pat-app", region="eu")["region"] == "no"


def test_github_auto_deploy_through_the_sdk(client: TestClient, tenant: Tenant) -> None:
    sdk = sdk_on(client, token=tenant.api_key)
    app = sdk.apps.create("auto-web")
    assert sdk.apps.auto_deploy_get(app["id"])["configured"] is False
    made = sdk.apps.auto_deploy_configure(app["short_id"], "https://github.com/acme/web", branch="prod")
    assert made["configured"] and made["repo_url"] == "https://github.com/acme/web" and made["branch"] == "prod"
    assert made["webhook_secret"].startswith("whsec_") and made["auto_deploy_enabled"] is True
    status = sdk.apps.auto_deploy_get(app["id"])
    assert status["secret_configured"] is True and "webhook_secret" not in status
    again = sdk.apps.auto_deploy_configure(app["id"], "https://github.com/acme/web", auto_deploy_enabled=False)
    assert "webhook_secret" not in again and again["auto_deploy_enabled"] is False and again["branch"] == "main"
    rotated = sdk.apps.auto_deploy_rotate_secret(app["id"])
    assert rotated["webhook_secret"] not in (made["webhook_secret"], "")
    with pytest.raises(ValidationError):
        sdk.apps.auto_deploy_configure(app["id"], "https://gitlab.com/acme/web")
    other = sdk.apps.create("other-web")
    with pytest.raises(ConflictError):
        sdk.apps.auto_deploy_rotate_secret(other["id"])
