"""``cloud login`` / ``whoami`` / ``logout`` of the official CLI against a live twin."""

from __future__ import annotations

from tests.packs.wayscloud.clients import CloudCLI
from tests.packs.wayscloud.conftest import Tenant


def test_a_token_without_the_pat_prefix_exits_2_and_saves_nothing(cloud: CloudCLI, cloud_tenant: Tenant) -> None:
    result = cloud("login", "--token", cloud_tenant.api_key)
    assert result.code == 2
    assert "Invalid token format" in result.stderr
    assert cloud.saved() is None
