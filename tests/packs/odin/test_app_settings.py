"""ODIN app settings and plugin instances: one tenant never reaches another's, unknown ids are 404."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant


def test_settings_and_instances_stay_within_their_tenant(client: TestClient, tenant: Tenant) -> None:
    mine = f"{API}/projects/{tenant.project_id}"
    assert client.get(f"{mine}/settings", headers=tenant.key_headers).status_code == 404
    assert client.put(f"{mine}/settings", headers=tenant.key_headers, json={"tokenProviderType": "rooms"}).status_code == 200
    instance = client.post(f"{mine}/plugins/instances", headers=tenant.key_headers, json={"pluginId": "sentiment"}).json()
    other = {"X-API-Key": tenant_credentials(client)["credentials"]["odin"]["api_key"]}
    theirs = f"{API}/projects/{client.get(f'{API}/projects', headers=other).json()[0]['id']}"
    for path in ("settings", "settings/secret", f"plugins/instances/{instance['id']}"):
        assert client.get(f"{mine}/{path}", headers=other).status_code == 403
    assert client.get(f"{theirs}/settings", headers=other).status_code == 404
    assert client.get(f"{theirs}/plugins/instances/{instance['id']}", headers=other).status_code == 404
    assert client.get(f"{theirs}/plugins/instances", headers=other).json() == []
    assert client.get(f"{mine}/plugins/instances/not-a-uuid", headers=tenant.key_headers).status_code == 404
    unknown = client.post(f"{mine}/plugins/instances", headers=tenant.key_headers, json={"pluginId": "toxicity"})
    assert unknown.status_code == 400 and unknown.json()["message"] == ["pluginId must name a plugin of the catalogue"]
    catalog = client.get(f"{API}/plugins", headers=tenant.key_headers).json()
    by_slug = client.get(f"{API}/plugins/sentiment", headers=tenant.key_headers).json()
    assert by_slug in catalog and instance["pluginId"] == by_slug["id"]
    assert client.get(f"{API}/plugins/nope", headers=tenant.key_headers).status_code == 404
    bad_provider = client.put(f"{mine}/settings", headers=tenant.key_headers, json={"tokenProviderType": "webservice"})
    assert bad_provider.status_code == 400 and bad_provider.json()["message"] == ["webserviceConfig should not be empty"]
    missing = client.put(f"{mine}/settings", headers=tenant.key_headers, json={})
    assert missing.status_code == 400 and any("tokenProviderType" in m for m in missing.json()["message"])
