"""``cloud login`` / ``whoami`` / ``logout`` of the official CLI, run as a user runs it, against a live twin."""

from __future__ import annotations

import stat

from tests.conftest import LiveServer
from tests.packs.wayscloud.clients import CloudCLI
from tests.packs.wayscloud.conftest import Tenant


def test_login_saves_the_pat_whoami_shows_the_profile_and_logout_forgets_it(
    cloud: CloudCLI, cloud_tenant: Tenant, live_twin: LiveServer
) -> None:
    with live_twin.http() as http:
        profile = http.get("/wayscloud/v1/account/profile",
                           headers={"Authorization": f"Bearer {cloud_tenant.pat}"}).json()

    login = cloud("login", "--token", cloud_tenant.pat)
    assert login.code == 0, login.stderr
    assert f"Logged in as: {profile['email']}" in login.stdout
    assert f"Customer: {profile['customer_id']}" in login.stdout
    saved = cloud.saved()
    assert saved is not None and saved["token"] == cloud_tenant.pat and saved["version"] == 1
    assert stat.S_IMODE(cloud.credentials_file.stat().st_mode) == 0o600

    whoami = cloud("whoami")
    assert whoami.code == 0, whoami.stderr
    assert whoami.stdout.splitlines() == [
        f"  Customer ID: {profile['customer_id']}",
        f"  Email: {profile['email']}",
        f"  Name: {profile['first_name']} {profile['last_name']}",
        f"  Type: {profile['customer_type']}",
    ]
    as_json = cloud("--json", "whoami")
    assert as_json.code == 0 and as_json.json()["customer_id"] == profile["customer_id"]

    logout = cloud("logout")
    assert logout.code == 0 and "Logged out" in logout.stdout
    assert cloud.saved() is None
    after = cloud("--json", "whoami")
    assert after.code == 2
    assert after.error()["error"] == "not_authenticated"


def test_login_in_json_mode_reports_success(cloud: CloudCLI, cloud_tenant: Tenant) -> None:
    result = cloud("--json", "auth", "login", "--token", cloud_tenant.pat)
    assert result.code == 0, result.stderr
    assert result.json() == {"status": "ok", "message": "Login successful"}


def test_a_bogus_pat_exits_2_and_saves_nothing(cloud: CloudCLI, cloud_tenant: Tenant) -> None:
    result = cloud("--json", "login", "--token", "wayscloud_pat_bogus000_notarealtokennotarealtokennot")
    assert result.code == 2, result.stderr
    assert result.error() == {"error": "invalid_token", "code": 2, "message": "Token is invalid or expired"}
    assert cloud.saved() is None
    assert not cloud.credentials_file.parent.exists()


def test_a_token_without_the_pat_prefix_exits_2_and_saves_nothing(cloud: CloudCLI, cloud_tenant: Tenant) -> None:
    result = cloud("login", "--token", cloud_tenant.api_key)
    assert result.code == 2
    assert "Invalid token format" in result.stderr
    assert cloud.saved() is None


def test_a_revoked_pat_logs_in_no_more_and_whoami_says_so(
    cloud: CloudCLI, cloud_tenant: Tenant, live_twin: LiveServer
) -> None:
    account = {"Authorization": f"Bearer {cloud_tenant.pat}"}
    with live_twin.http() as http:
        made = http.post("/wayscloud/v1/account/api-keys/pat", headers=account, json={"scopes": ["ssh_keys:read"]})
        assert made.status_code == 200, made.text
        created = made.json()
        assert cloud("login", "--token", created["key"]).code == 0
        assert cloud("whoami").code == 0
        assert http.delete(f"/wayscloud/v1/account/api-keys/{created['id']}", headers=account).status_code == 200

    whoami = cloud("--json", "whoami")
    assert whoami.code == 2
    assert whoami.error()["error"] == "auth_error"
    again = cloud("login", "--token", created["key"])
    assert again.code == 2 and "Token is invalid or expired" in again.stderr


def test_whoami_with_an_extra_api_key_in_the_environment_still_works(
    cloud: CloudCLI, cloud_tenant: Tenant
) -> None:
    # With WAYSCLOUD_API_KEY set, every CLI request also carries X-API-Key (here a service key, which is no
    # account credential): the PAT in Authorization is enough.
    assert cloud("login", "--token", cloud_tenant.pat).code == 0
    result = cloud("--json", "whoami", env={"WAYSCLOUD_API_KEY": cloud_tenant.api_key})
    assert result.code == 0, result.stderr
    assert result.json()["email"].endswith("@example.com")


def test_whoami_takes_the_token_from_the_flag_or_the_environment_without_a_login(
    cloud: CloudCLI, cloud_tenant: Tenant
) -> None:
    from_env = cloud("--json", "whoami", env={"WAYSCLOUD_TOKEN": cloud_tenant.pat})
    assert from_env.code == 0, from_env.stderr
    from_flag = cloud("--json", "whoami", "--token", cloud_tenant.pat)
    assert from_flag.code == 0 and from_flag.json() == from_env.json()
    bogus = cloud("--json", "whoami", "--token", "wayscloud_pat_bogus000_notarealtokennotarealtokennot")
    assert bogus.code == 2
    assert bogus.error()["error"] == "auth_error"
    assert cloud.saved() is None
