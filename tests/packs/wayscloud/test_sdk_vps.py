"""The official SDK's ``client.vps`` against the twin, unchanged: every VPS call it makes, and the brief's flow."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from wayscloud import WaysCloudClient
from wayscloud.exceptions import ConflictError, NotFoundError, ValidationError

from tests.packs.wayscloud.conftest import Tenant
from tests.packs.wayscloud.test_vps import advance

SDKFactory = Callable[..., WaysCloudClient]


def test_create_run_stop_start_snapshot_delete_then_not_found(sdk: SDKFactory) -> None:
    vps = sdk().vps
    made = vps.create("web01.example.com", "vps-4gb-2cpu", "oslo", "ubuntu-22.04")
    assert made["status"] == "provisioning" and made["plan_code"] == "vps-4gb-2cpu"
    assert vps.get(made["id"])["status"] == "running"
    assert [v["id"] for v in vps.list()] == [made["id"]]
    assert vps.stop(made["id"])["success"] is True
    assert vps.get(made["id"])["status"] == "stopped"
    assert vps.status(made["id"])["power_state"] == "stopped"
    assert vps.start(made["id"])["success"] is True
    assert vps.get(made["id"])["status"] == "running"
    snapshot = vps.create_snapshot(made["id"], "before-upgrade", "first")
    assert snapshot["snapshot_name"] == "before_upgrade"
    assert [s["snapshot_name"] for s in vps.snapshots(made["id"])] == ["before_upgrade"]
    vps.delete(made["id"])
    with pytest.raises(NotFoundError):
        vps.get(made["id"])
    with pytest.raises(NotFoundError):
        vps.status(made["id"])
    with pytest.raises(NotFoundError):
        vps.snapshots(made["id"])
    assert vps.list() == []


def test_the_sdks_other_vps_calls(sdk: SDKFactory, client: TestClient) -> None:
    vps = sdk().vps
    assert [p["plan_code"] for p in vps.plans()] == [p["plan_code"] for p in vps.plans("stockholm")]
    assert {t["id"] for t in vps.os_templates()} >= {"ubuntu-22.04", "debian-12", "windows-server-2025"}
    assert [r["code"] for r in vps.regions()] == ["oslo", "stockholm", "frankfurt"]
    assert vps.addons("oslo")
    made = vps.create("db01.example.com", "vps-2gb-1cpu", "frankfurt", "debian-12")["id"]
    with pytest.raises(ConflictError):
        vps.create("db01.example.com", "vps-2gb-1cpu", "frankfurt", "debian-12")
    with pytest.raises(ValidationError):
        vps.create("db02.example.com", "vps-1tb", "frankfurt", "debian-12")
    assert [v["id"] for v in vps.list(status="running", region="frankfurt")] == [made]
    assert vps.list(status="stopped") == []
    assert vps.update(made, display_name="Database")["display_name"] == "Database"
    assert vps.upgrade(made, "vps-4gb-2cpu")["success"] is True
    rule = vps.add_firewall_rule(made, 5432, source="10.0.0.0/8")
    assert [r["id"] for r in vps.firewall_rules(made)] == [rule["id"]]
    vps.remove_firewall_rule(made, rule["id"])
    assert vps.firewall_rules(made) == []
    assert vps.reboot(made)["success"] is True

    backup = vps.create_backup(made)
    assert backup["status"] == "creating"
    assert [b["status"] for b in vps.backups(made)] == ["available"]
    assert vps.download_backup(made, backup["backup_id"])["expires_in"] == 3600
    assert vps.backup_usage(made)["total_backups"] == 1
    vps.stop(made)
    assert vps.restore_backup(made, backup["backup_id"])["message"] == "Restore queued"
    vps.delete_backup(made, backup["backup_id"])
    with pytest.raises(NotFoundError):
        vps.delete_backup(made, backup["backup_id"])
    vps.start(made)
    assert vps.set_backup_policy(made, frequency="weekly", day_of_week=0, retention_days=14)["ok"] is True
    assert vps.backup_policy(made)["policy"]["day_of_week"] == 0
    advance(client, 8 * 86400)
    assert "automatic" in {b["backup_type"] for b in vps.backups(made)}
    vps.delete_backup_policy(made)
    with pytest.raises(NotFoundError):
        vps.delete_backup_policy(made)


def test_a_service_key_drives_the_same_calls(sdk: SDKFactory, tenant: Tenant) -> None:
    vps = sdk(api_key=tenant.api_key).vps
    made = vps.create("key.example.com", "vps-2gb-1cpu", "SE", "rocky-9")
    assert made["region"] == "stockholm"
    assert vps.get(made["id"])["ipv4_address"] == made["ipv4"]
