"""``twinstack.Twin`` in a script: started in this process, driven, and gone when the block ends."""

from __future__ import annotations

import httpx
import pytest


def test_the_same_object_works_without_pytest_fixtures() -> None:
    import twinstack

    with twinstack.Twin(services=["bluelobster"]) as twin:
        tenant = twin.new_tenant("script")
        assert tenant.name == "script" and "bluelobster" in tenant.credentials
        assert set(twin.endpoints) >= {"http"}
        key = tenant.credentials["bluelobster"]["api_key"]
        listed = httpx.get(twin.base_url("bluelobster") + "/api/v1/instances", headers={"X-API-Key": key})
        assert listed.status_code == 200
        twin.reset()
        assert twin.health()["status"] == "ok"
        url = twin.url
    with pytest.raises(httpx.HTTPError):
        httpx.get(url + "/_twinstack/health", timeout=2)
