"""Settings: upstream's defaults, deep merge, one audit item per changed leaf, per tenant."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API, Tenant, assert_error, login


def test_defaults_are_upstreams(client: TestClient, tenant: Tenant) -> None:
    settings = client.get(f"{API}/settings", headers=tenant.headers).json()["settings"]
    assert settings["memory_limit_gb"] == 8 and settings["telemetry_enabled"] is True
    assert settings["default_provider_id"] == "g4f" and settings["default_model_id"] == "gpt-4o-mini"
    assert settings["ui"] == {"theme": "neon_dark", "accent": "#00FF94"}
    assert [p["provider_id"] for p in settings["providers"]] == ["openai", "anthropic", "ollama", "g4f", "custom"]


def test_a_put_deep_merges_and_audits_each_changed_leaf(client: TestClient, tenant: Tenant) -> None:
    assert client.put(f"{API}/settings", headers=tenant.headers, json={"ui": {"theme": "light"}}).json() == {"ok": True}
    settings = client.get(f"{API}/settings", headers=tenant.headers).json()["settings"]
    assert settings["ui"] == {"theme": "light", "accent": "#00FF94"}
    items = client.get(f"{API}/settings/audit", headers=tenant.headers).json()["items"]
    assert [i["change"] for i in items] == [{"path": "/ui/theme", "from": "neon_dark", "to": "light"}]
    assert items[0]["id"].startswith("setaudit_") and items[0]["actor_user_id"] == "user_admin"
    # The same value again changes nothing and records nothing.
    client.put(f"{API}/settings", headers=tenant.headers, json={"ui": {"theme": "light"}})
    assert len(client.get(f"{API}/settings/audit", headers=tenant.headers).json()["items"]) == 1
    client.put(f"{API}/settings", headers=tenant.headers, json={"memory_limit_gb": 16, "default_model_id": "gpt-4o"})
    paths = [i["change"]["path"] for i in client.get(f"{API}/settings/audit", headers=tenant.headers).json()["items"]]
    assert paths == ["/ui/theme", "/memory_limit_gb", "/default_model_id"]
    events = client.get(f"{API}/audit", headers=tenant.headers, params={"type": "settings.updated"}).json()["items"]
    assert [len(e["data"]["changes"]) for e in events] == [1, 2]
    pid = client.post(f"{API}/projects", headers=tenant.headers, json={"name": "p"}).json()["project"]["id"]
    session = client.post(f"{API}/projects/{pid}/sessions", headers=tenant.headers, json={"title": "t"}).json()["session"]
    assert session["model_id"] == "gpt-4o", "new sessions take the default model from the settings"


def test_lists_replace_and_known_keys_are_type_checked(client: TestClient, tenant: Tenant) -> None:
    client.put(f"{API}/settings", headers=tenant.headers, json={"providers": [{"provider_id": "g4f", "enabled": False}]})
    assert client.get(f"{API}/settings", headers=tenant.headers).json()["settings"]["providers"] == [
        {"provider_id": "g4f", "enabled": False}]
    for body, field in (({"memory_limit_gb": "lots"}, "memory_limit_gb"), ({"telemetry_enabled": "yes"}, "telemetry_enabled"),
                        ({"ui": "dark"}, "ui"), ({"ui": {"accent": 5}}, "ui.accent"), ({"providers": {}}, "providers")):
        assert_error(client.put(f"{API}/settings", headers=tenant.headers, json=body), 400, "invalid_request", field)
    assert_error(client.put(f"{API}/settings", headers=tenant.headers, json={}), 400, "missing_body")


def test_settings_are_per_tenant(client: TestClient, tenant: Tenant) -> None:
    client.put(f"{API}/settings", headers=tenant.headers, json={"ui": {"theme": "light"}})
    creds = tenant_credentials(client)["credentials"]["g4fagent"]
    other = {"Authorization": f"Bearer {login(client, creds['email'], creds['password'])['access_token']}"}
    assert client.get(f"{API}/settings", headers=other).json()["settings"]["ui"]["theme"] == "neon_dark"
    assert client.get(f"{API}/settings/audit", headers=other).json()["items"] == []
