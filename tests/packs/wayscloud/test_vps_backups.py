"""VPS snapshots, backups and backup policies through HTTP, and the brief's VPS scenario (section 5, #2)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key
from tests.packs.wayscloud.test_vps import CREATE, advance, create, state

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example.com"


def _disk(client: TestClient, tenant: Tenant, vps: str) -> float:
    return float(client.get(f"{API}/vps/{vps}/status", headers=tenant.service).json()["disk_usage_percent"])


def test_scenario_vps_snapshot_rollback_backup_delete(client: TestClient, tenant: Tenant) -> None:
    client.post(f"{API}/account/ssh-keys", headers=tenant.account, json={"name": "ops", "public_key": ED25519})
    vps = create(client, tenant, ssh_keys=[ED25519])["id"]
    assert [k["vm_count"] for k in client.get(f"{API}/account/ssh-keys", headers=tenant.account).json()] == [1]
    assert state(client, tenant, vps) == "running"
    assert client.post(f"{API}/vps/{vps}/stop", headers=tenant.service).json()["success"] is True
    assert state(client, tenant, vps) == "stopped"
    snap = client.post(f"{API}/vps/{vps}/snapshots", headers=tenant.service,
                       json={"snapshot_name": "before-upgrade", "description": "Before the upgrade"})
    assert snap.status_code == 201, snap.text
    assert snap.json()["snapshot_name"] == "before_upgrade" and snap.json()["vps_id"] == vps
    before = _disk(client, tenant, vps)
    client.post(f"{API}/vps/{vps}/start", headers=tenant.service)
    advance(client, 36000)
    assert _disk(client, tenant, vps) > before
    refused = client.post(f"{API}/vps/{vps}/snapshots/before_upgrade/rollback", headers=tenant.service)
    assert refused.status_code == 409 and "stopped" in refused.json()["detail"]
    client.post(f"{API}/vps/{vps}/stop", headers=tenant.service)
    rolled = client.post(f"{API}/vps/{vps}/snapshots/before_upgrade/rollback", headers=tenant.service)
    assert rolled.status_code == 200 and rolled.json()["success"] is True
    assert state(client, tenant, vps) == "stopped" and _disk(client, tenant, vps) == before
    backup = client.post(f"{API}/vps/{vps}/backups", headers=tenant.service)
    assert backup.status_code == 202 and backup.json()["status"] == "creating" and backup.json()["ok"] is True
    listed = client.get(f"{API}/vps/{vps}/backups", headers=tenant.service).json()
    assert [(b["backup_id"], b["status"], b["backup_type"]) for b in listed["backups"]] == [
        (backup.json()["backup_id"], "available", "manual")]
    download = client.get(f"{API}/vps/{vps}/backups/{backup.json()['backup_id']}/download", headers=tenant.service)
    assert download.status_code == 200 and download.json()["expires_in"] == 3600
    assert download.json()["download_url"].startswith("https://")
    assert client.delete(f"{API}/vps/{vps}", headers=tenant.service).status_code == 200
    assert client.get(f"{API}/vps/{vps}", headers=tenant.service).status_code == 404
    assert client.get(f"{API}/vps/{vps}/snapshots", headers=tenant.service).status_code == 404
    assert client.get(f"{API}/vps/{vps}/backups/{backup.json()['backup_id']}/download",
                      headers=tenant.service).json() == {"detail": "VPS not found"}


def test_snapshot_rules(client: TestClient, tenant: Tenant) -> None:
    vps = create(client, tenant)["id"]
    short = client.post(f"{API}/vps/{vps}/snapshots", headers=tenant.service, json={"snapshot_name": "ab"})
    assert short.status_code == 400 and "snapshot_name" in short.json()["detail"]
    for i in range(10):
        made = client.post(f"{API}/vps/{vps}/snapshots", headers=tenant.service, json={"snapshot_name": f"snap_{i}"})
        assert made.status_code == 201
    dup = client.post(f"{API}/vps/{vps}/snapshots", headers=tenant.service, json={"snapshot_name": "snap-0"})
    assert dup.status_code == 409
    full = client.post(f"{API}/vps/{vps}/snapshots", headers=tenant.service, json={"snapshot_name": "eleventh"})
    assert full.status_code == 429
    listed = client.get(f"{API}/vps/{vps}/snapshots", headers=tenant.service).json()
    assert listed["total"] == 10 and {s["status"] for s in listed["snapshots"]} == {"available"}
    assert client.delete(f"{API}/vps/{vps}/snapshots/snap_3", headers=tenant.service).status_code == 200
    assert client.delete(f"{API}/vps/{vps}/snapshots/snap_3", headers=tenant.service).status_code == 404
    assert client.post(f"{API}/vps/{vps}/snapshots", headers=tenant.service,
                       json={"snapshot_name": "eleventh"}).status_code == 201
    windows = create(client, tenant, hostname="win.example.com", os_template="windows-server-2025")["id"]
    raw = client.post(f"{API}/vps/{windows}/snapshots", headers=tenant.service, json={"snapshot_name": "first"})
    assert raw.status_code == 400
    assert client.get(f"{API}/vps/{windows}", headers=tenant.service).json()["snapshot_supported"] is False


def test_snapshot_and_backup_statuses_follow_the_clock(make_client: Any) -> None:
    client = make_client(speed="realistic")
    headers = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    vps = client.post(f"{API}/vps", headers=headers, json=CREATE).json()["id"]
    early = client.post(f"{API}/vps/{vps}/snapshots", headers=headers, json={"snapshot_name": "early"})
    assert early.status_code == 409
    advance(client, 90)
    assert client.post(f"{API}/vps/{vps}/snapshots", headers=headers,
                       json={"snapshot_name": "first"}).json()["status"] == "creating"
    advance(client, 2)
    assert client.get(f"{API}/vps/{vps}/snapshots", headers=headers).json()["snapshots"][0]["status"] == "available"
    backup = client.post(f"{API}/vps/{vps}/backups", headers=headers).json()["backup_id"]
    assert client.post(f"{API}/vps/{vps}/backups", headers=headers).status_code == 409

    def status() -> str:
        return str(client.get(f"{API}/vps/{vps}/backups", headers=headers).json()["backups"][0]["status"])

    assert status() == "creating"
    assert client.delete(f"{API}/vps/{vps}/backups/{backup}", headers=headers).status_code == 409
    assert client.get(f"{API}/vps/{vps}/backups/{backup}/download", headers=headers).status_code == 409
    advance(client, 40)
    assert status() == "uploading"
    advance(client, 120)
    assert status() == "available"
    restore = client.post(f"{API}/vps/{vps}/backups/{backup}/restore", headers=headers)
    assert restore.status_code == 409
    client.post(f"{API}/vps/{vps}/stop", headers=headers)
    advance(client, 15)
    restore = client.post(f"{API}/vps/{vps}/backups/{backup}/restore", headers=headers)
    assert restore.status_code == 200 and restore.json()["message"] == "Restore queued"
    assert status() == "restoring"
    advance(client, 60)
    assert status() == "available"
    assert client.delete(f"{API}/vps/{vps}/backups/{backup}", headers=headers).status_code == 200
    assert client.get(f"{API}/vps/{vps}/backups", headers=headers).json()["total"] == 0


def test_backup_policy_fires_on_the_clock_and_prunes(client: TestClient, tenant: Tenant) -> None:
    vps = create(client, tenant)["id"]
    assert client.get(f"{API}/vps/{vps}/backup-policy", headers=tenant.service).json() == {"vps_id": vps}
    assert client.delete(f"{API}/vps/{vps}/backup-policy", headers=tenant.service).status_code == 404
    weekly = client.put(f"{API}/vps/{vps}/backup-policy", headers=tenant.service, json={"frequency": "weekly"})
    assert weekly.status_code == 422 and "day_of_week" in weekly.json()["detail"]
    bad_time = client.put(f"{API}/vps/{vps}/backup-policy", headers=tenant.service, json={"time_of_day": "25:00"})
    assert bad_time.status_code == 422 and "time_of_day" in bad_time.json()["detail"]
    set_ = client.put(f"{API}/vps/{vps}/backup-policy", headers=tenant.service,
                      json={"enabled": True, "frequency": "daily", "time_of_day": "03:00", "retention_days": 2})
    assert set_.status_code == 200 and set_.json()["ok"] is True
    assert set_.json()["next_backup_at"].endswith("T03:00:00Z")
    policy = client.get(f"{API}/vps/{vps}/backup-policy", headers=tenant.service).json()["policy"]
    assert (policy["frequency"], policy["retention_days"], policy["enabled"]) == ("daily", 2, True)
    assert client.get(f"{API}/vps/{vps}/backups", headers=tenant.service).json()["total"] == 0
    advance(client, 86400)
    first = client.get(f"{API}/vps/{vps}/backups", headers=tenant.service).json()["backups"]
    assert [b["backup_type"] for b in first] == ["automatic"]
    advance(client, 86400 * 4)
    kept = client.get(f"{API}/vps/{vps}/backups", headers=tenant.service).json()["backups"]
    # One backup a day, each kept two days: the oldest have been dropped.
    assert 1 <= len(kept) <= 3 and first[0]["backup_id"] not in {b["backup_id"] for b in kept}
    usage = client.get(f"{API}/vps/{vps}/backup-usage", headers=tenant.service).json()
    assert usage["total_backups"] == len(kept) and usage["total_size_gb"] > 0
    assert client.get(f"{API}/vps/{vps}/backup-policy", headers=tenant.service).json()["policy"]["last_backup_at"]
    assert client.delete(f"{API}/vps/{vps}/backup-policy", headers=tenant.service).status_code == 200
    advance(client, 86400 * 2)
    assert client.get(f"{API}/vps/{vps}/backups", headers=tenant.service).json()["total"] == len(kept)


def test_backup_reads_of_an_unknown_vps(client: TestClient, tenant: Tenant) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"{API}/vps/{missing}/backups", headers=tenant.service).json() == {
        "vps_id": missing, "backups": [], "total": 0}
    assert client.get(f"{API}/vps/{missing}/backup-usage", headers=tenant.service).json()["total_backups"] == 0
    assert client.put(f"{API}/vps/{missing}/backup-policy", headers=tenant.service, json={}).json()["ok"] is False
    assert client.post(f"{API}/vps/{missing}/backups", headers=tenant.service).json() == {"detail": "VPS not found"}
