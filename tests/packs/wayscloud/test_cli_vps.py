"""``cloud vps ...`` of the official CLI, run as a subprocess against a live twin, as a user runs it."""

from __future__ import annotations

from tests.packs.wayscloud.clients import CloudCLI
from tests.packs.wayscloud.conftest import Tenant


def test_create_run_stop_start_snapshot_backup_delete_then_not_found(cloud: CloudCLI, cloud_tenant: Tenant) -> None:
    assert cloud("login", "--token", cloud_tenant.pat).code == 0
    made = cloud("--json", "vps", "create", "--hostname", "web01.example.com", "--plan", "vps-4gb-2cpu",
                 "--region", "oslo", "--os", "ubuntu-22.04")
    assert made.code == 0, made.stderr
    vps = made.json()["id"]
    assert made.json()["status"] == "provisioning"

    info = cloud("vps", "info", vps)
    assert info.code == 0, info.stderr
    for shown in ("running", "qcow2", "vps-4gb-2cpu", "oslo", made.json()["ipv4"]):
        assert shown in info.stdout
    listed = cloud("vps", "list")
    assert listed.code == 0 and vps[:12] in listed.stdout and "web01.example.com" in listed.stdout

    stop = cloud("vps", "stop", vps)
    assert stop.code == 0 and "VPS is stopping" in stop.stdout
    assert cloud("--json", "vps", "info", vps).json()["status"] == "stopped"
    status = cloud("vps", "status", vps)
    assert status.code == 0 and "stopped" in status.stdout
    assert cloud("vps", "start", vps).code == 0
    assert cloud("--json", "vps", "info", vps).json()["power_state"] == "running"

    snap = cloud("vps", "snapshots", "create", vps, "--name", "before-upgrade", "--description", "pre")
    assert snap.code == 0 and "Snapshot created: before_upgrade" in snap.stdout
    snaps = cloud("vps", "snapshots", "list", vps)
    assert snaps.code == 0 and "before_upgrade" in snaps.stdout and "available" in snaps.stdout
    refused = cloud("vps", "snapshots", "rollback", vps, "--name", "before_upgrade", "--confirm")
    assert refused.code == 3 and "409" in refused.stdout + refused.stderr

    backup = cloud("--json", "vps", "backups", "create", vps)
    assert backup.code == 0 and backup.json()["status"] == "creating"
    backups = cloud("vps", "backups", "list", vps)
    assert backups.code == 0 and "manual" in backups.stdout and "available" in backups.stdout
    policy = cloud("vps", "backups", "policy", "set", vps, "--frequency", "daily", "--time", "04:30")
    assert policy.code == 0, policy.stderr
    shown = cloud("vps", "backups", "policy", "get", vps)
    assert shown.code == 0 and "04:30" in shown.stdout

    assert cloud("vps", "delete", vps, "--confirm").code == 0
    gone = cloud("--json", "vps", "info", vps)
    assert gone.code == 1 and gone.error()["error"] == "not_found"
    assert cloud("--json", "vps", "snapshots", "list", vps).code == 1


def test_catalogues_firewall_and_errors(cloud: CloudCLI, cloud_tenant: Tenant) -> None:
    cloud.env["WAYSCLOUD_TOKEN"] = cloud_tenant.pat
    plans = cloud("vps", "plans", "--region", "stockholm")
    assert plans.code == 0 and "vps-8gb-4cpu" in plans.stdout and "399" in plans.stdout
    regions = cloud("vps", "regions")
    assert regions.code == 0 and "frankfurt" in regions.stdout and "Oslo, Norway" in regions.stdout
    templates = cloud("vps", "os-templates")
    assert templates.code == 0 and "windows-server-2025" in templates.stdout and "debian" in templates.stdout
    bad = cloud("vps", "create", "--hostname", "x.example.com", "--plan", "nope", "--region", "oslo",
                "--os", "debian-12")
    assert bad.code == 3 and "plan_code" in bad.stdout + bad.stderr
    vps = cloud("--json", "vps", "create", "--hostname", "fw.example.com", "--plan", "vps-2gb-1cpu",
                "--region", "NO", "--os", "debian-12").json()["id"]
    dup = cloud("vps", "create", "--hostname", "fw.example.com", "--plan", "vps-2gb-1cpu", "--region", "oslo",
                "--os", "debian-12")
    assert dup.code == 3 and "Hostname already in use" in dup.stdout + dup.stderr
    assert cloud("vps", "firewall-add", vps, "--port", "22", "--protocol", "tcp", "--source", "10.0.0.0/8").code == 0
    rules = cloud("--json", "vps", "firewall", vps)
    assert rules.code == 0 and [r["port"] for r in rules.json()] == [22]
    assert cloud("vps", "firewall-remove", vps, "--rule-id", rules.json()[0]["id"]).code == 0
    assert cloud("vps", "update", vps, "--display-name", "Firewall box").code == 0
    assert cloud("vps", "upgrade", vps, "--plan", "vps-4gb-2cpu", "--confirm").code == 0
    assert cloud("--json", "vps", "info", vps).json()["display_name"] == "Firewall box"
