"""The key flow against a real ``twinstack serve`` process, as an SDK would run it over the network."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer

API = "/wayscloud/v1"


def test_a_minted_vps_key_works_over_the_network_until_revoked(live_server: LiveServer) -> None:
    with live_server.http() as http:
        creds = http.post("/_twinstack/tenants", json={"name": "live"}).json()["credentials"]["wayscloud"]
        pat = {"Authorization": f"Bearer {creds['pat']}"}
        created = http.post(f"{API}/account/api-keys/service", headers=pat, json={"service": "vps"}).json()
        key = {"X-API-Key": created["key"]}
        assert http.get(f"{API}/vps", headers=key).status_code == 200
        assert http.get(f"{API}/dns/zones", headers=key).status_code == 403
        assert http.delete(f"{API}/account/api-keys/{created['id']}", headers=pat).status_code == 200
        refused: httpx.Response = http.get(f"{API}/vps", headers=key)
        assert refused.status_code == 401
        assert refused.json() == {"detail": "Invalid or missing API key"}
