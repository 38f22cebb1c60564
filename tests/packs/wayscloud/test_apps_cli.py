"""``cloud app ...`` of the official CLI against a live twin: create, env vars one PATCH per key, deploy, logs,
GitHub auto-deploy, delete."""

from __future__ import annotations

from tests.packs.wayscloud.clients import CloudCLI
from tests.packs.wayscloud.conftest import Tenant


def test_cloud_app_from_create_to_delete(cloud: CloudCLI, cloud_tenant: Tenant) -> None:
    assert cloud("login", "--token", cloud_tenant.pat).code == 0
    created = cloud("--json", "app", "create", "hello-web", "--port", "3000")
    assert created.code == 0, created.stderr
    app = created.json()
    assert app["plan"] == "app-basic" and app["default_url"].startswith("hello-web-")
    assert cloud("app", "env", "set", "hello-web", "A=1", "B=2").code == 0
    assert cloud("app", "env", "unset", "hello-web", "A").code == 0
    assert cloud("--json", "app", "env", "list", "hello-web").json() == {"B": "2"}
    assert cloud("app", "deploy", app["short_id"], "--image", "nginx:latest").code == 0
    info = cloud("--json", "app", "info", app["id"]).json()
    assert info["status"] == "running" and info["image_uri"] == "nginx:latest"
    logs = cloud("--json", "app", "logs", "hello-web").json()
    assert "Server listening on port 3000" in str(logs)
    listed = cloud("--json", "app", "list").json()
    assert [a["id"] for a in listed] == [app["id"]]
    assert {"app-basic", "app-starter"} <= {p["code"] for p in cloud("--json", "app", "plans").json()}
    enabled = cloud("--json", "app", "auto-deploy", "enable", "hello-web", "--repo", "https://github.com/acme/hello")
    assert enabled.code == 0, enabled.stderr
    assert enabled.json()["webhook_secret"].startswith("whsec_")
    assert cloud("app", "auto-deploy", "disable", "hello-web").code == 0
    status = cloud("--json", "app", "auto-deploy", "status", "hello-web").json()
    assert status["configured"] is True and status["auto_deploy_enabled"] is False and status["branch"] == "main"
    rotated = cloud("--json", "app", "auto-deploy", "rotate-secret", "hello-web", "--confirm")
    assert rotated.code == 0 and rotated.json()["webhook_secret"] != enabled.json()["webhook_secret"]
    assert cloud("app", "delete", app["id"], "--confirm").code == 0
    gone = cloud("--json", "app", "info", app["id"])
    assert gone.code == 1 and gone.error()["error"] == "not_found"
