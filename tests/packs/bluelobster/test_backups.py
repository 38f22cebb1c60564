"""Backups: taken by tasks, listed per instance and per account, restored, annotated, deleted, scheduled."""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.testclient import TestClient

from tests.packs.bluelobster.conftest import Cloud, new_cloud

VOLID = re.compile(r"^wil-pbs-01:backup/vm/(\d+)/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def q(volid: str) -> str:
    """A volid as a query value: ``:`` and ``/`` percent-encoded."""
    return quote(volid, safe="")


def backed_up(cloud: Cloud, instance_id: str) -> dict[str, object]:
    """Take a backup and return it as the instance's list shows it."""
    task = cloud.task(cloud.ok("POST", f"/instances/{instance_id}/backup")["task_id"])
    assert (task["status"], task["operation"]) == ("COMPLETED", "backup_instance")
    newest: dict[str, object] = cloud.ok("GET", f"/instances/{instance_id}/backups")["backups"][0]
    return newest


def test_a_backup_is_listed_with_its_volid_size_and_format(cloud: Cloud) -> None:
    instance_id = cloud.running()
    started = cloud.ok("POST", f"/instances/{instance_id}/backup")
    assert set(started) == {"message", "task_id", "instance_id"} and started["message"] == "Backup started"
    cloud.task(started["task_id"])
    listed = cloud.ok("GET", f"/instances/{instance_id}/backups")
    assert (listed["instance_id"], listed["storage"], listed["total"]) == (instance_id, "wil-pbs-01", 1)
    backup = listed["backups"][0]
    assert set(backup) == {"volid", "size_bytes", "size_human", "created_at", "format"}
    match = VOLID.match(backup["volid"])
    assert match is not None and backup["volid"].endswith(backup["created_at"])
    assert backup["format"] == "pbs-vm"
    assert 4e9 < backup["size_bytes"] < 250e9
    assert backup["size_human"] == f"{backup['size_bytes'] / 2**30:.1f} GB"
    assert cloud.instance(instance_id)["power_status"] == "running"


def test_one_backup_or_restore_at_a_time_is_409_task_in_progress(slow_cloud: Cloud) -> None:
    instance_id = slow_cloud.launch()["instance_ids"][0]
    slow_cloud.advance(200)
    slow_cloud.ok("POST", f"/instances/{instance_id}/backup")
    slow_cloud.advance(300)
    volid = slow_cloud.ok("GET", f"/instances/{instance_id}/backups")["backups"][0]["volid"]
    slow_cloud.ok("POST", f"/instances/{instance_id}/backup")
    second = slow_cloud.call("POST", f"/instances/{instance_id}/backup")
    assert second.status_code == 409
    assert second.json() == {"error": "task_in_progress",
                             "message": "Cannot start backup: backup is already in progress for this instance"}
    assert "backup_in_progress" in slow_cloud.ok("GET", f"/instances/{instance_id}/backups")
    slow_cloud.advance(300)
    restore = slow_cloud.ok("POST", f"/instances/{instance_id}/restore", json={"backup_volid": volid})
    assert restore == {"message": "Restore started", "task_id": restore["task_id"], "instance_id": instance_id,
                       "backup_volid": volid}
    during = slow_cloud.call("POST", f"/instances/{instance_id}/backup")
    assert during.status_code == 409
    assert during.json()["message"] == "Cannot start backup: restore is already in progress for this instance"
    slow_cloud.advance(5)
    assert slow_cloud.instance(instance_id)["power_status"] == "stopped"
    slow_cloud.advance(300)
    assert slow_cloud.task(restore["task_id"])["status"] == "COMPLETED"
    assert slow_cloud.instance(instance_id)["power_status"] == "running"
    assert slow_cloud.ok("GET", f"/instances/{instance_id}/stats")["uptime_seconds"] < 300


def test_a_restore_needs_a_volid(cloud: Cloud) -> None:
    instance_id = cloud.running()
    response = cloud.call("POST", f"/instances/{instance_id}/restore")
    assert response.status_code == 400
    assert response.json() == {"error": "missing_backup_volid", "message": "backup_volid is required",
                               "field": "backup_volid"}


def test_restore_onto_another_instance_renames_it_with_the_restore_prefix(cloud: Cloud) -> None:
    source = cloud.running(name="db-primary")
    target = cloud.running(name="scratch")
    volid = backed_up(cloud, source)["volid"]
    today = cloud.http.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"][:10].replace("-", "")
    reply = cloud.ok("POST", f"/backups/restore?volid={q(str(volid))}&target_vm_uuid={target}&add_restore_prefix=true")
    cloud.task(reply["task_id"])
    assert cloud.instance(target)["name"] == reply["new_name"] == f"RESTORE-{today}-db-primary"
    named = cloud.ok("POST", f"/backups/restore?volid={q(str(volid))}&target_vm_uuid={target}&new_name=db-copy")
    cloud.task(named["task_id"])
    assert cloud.instance(target)["name"] == "db-copy"


def test_restore_onto_a_smaller_disk_is_400(cloud: Cloud) -> None:
    source = cloud.running(instance_type="v1_cpu_medium")
    small = cloud.running(instance_type="v1_cpu_small")
    volid = str(backed_up(cloud, source)["volid"])
    response = cloud.call("POST", f"/backups/restore?volid={q(volid)}&target_vm_uuid={small}")
    assert response.status_code == 400
    assert response.json()["message"] == "Target disk (100 GB) is smaller than the backup's disk (250 GB)"


def test_account_backups_outlive_the_instance_and_add_up_in_storage(cloud: Cloud) -> None:
    first, second = cloud.running(), cloud.running()
    sizes = [backed_up(cloud, first)["size_bytes"], backed_up(cloud, first)["size_bytes"],
             backed_up(cloud, second)["size_bytes"]]
    cloud.task(cloud.ok("DELETE", f"/instances/{first}")["task_id"])
    listed = cloud.ok("GET", "/backups")
    assert listed["total"] == 3
    assert {b["instance_id"] for b in listed["backups"]} == {first, second}
    storage = cloud.ok("GET", "/backups/storage")
    assert (storage["backup_count"], storage["total_bytes"]) == (3, sum(int(str(s)) for s in sizes))
    lines = {line["instance_id"]: line for line in storage["by_instance"]}
    assert (lines[first]["backup_count"], lines[second]["backup_count"]) == (2, 1)
    assert sum(line["total_bytes"] for line in lines.values()) == storage["total_bytes"]
    assert sum(line["monthly_cost_cents"] for line in lines.values()) == storage["monthly_cost_cents"]


def test_notes_are_kept_on_the_backup(cloud: Cloud) -> None:
    volid = str(backed_up(cloud, cloud.running())["volid"])
    noted = cloud.ok("PUT", f"/backups/notes?volid={q(volid)}", json={"notes": "before the upgrade"})
    assert noted == {"message": "Notes updated", "volid": volid, "notes": "before the upgrade"}
    assert cloud.ok("GET", "/backups")["backups"][0]["notes"] == "before the upgrade"
    assert cloud.call("PUT", "/backups/notes?volid=wil-pbs-01%3Abackup%2Fvm%2F1%2Fx", json={"notes": "x"}).status_code == 404


def test_deleting_a_backup_is_a_task_409_while_it_runs_then_404(slow_cloud: Cloud) -> None:
    instance_id = slow_cloud.launch()["instance_ids"][0]
    slow_cloud.advance(200)
    slow_cloud.ok("POST", f"/instances/{instance_id}/backup")
    slow_cloud.advance(300)
    volid = slow_cloud.ok("GET", "/backups")["backups"][0]["volid"]
    started = slow_cloud.ok("DELETE", f"/backups?volid={q(volid)}")
    assert started["message"] == "Backup deletion started" and started["volid"] == volid
    again = slow_cloud.call("DELETE", f"/backups?volid={q(volid)}")
    assert again.status_code == 409
    assert again.json() == {"error": "delete_in_progress", "message": "Delete already in progress"}
    slow_cloud.advance(30)
    assert slow_cloud.task(started["task_id"])["status"] == "COMPLETED"
    assert slow_cloud.ok("GET", "/backups")["total"] == 0
    assert slow_cloud.call("DELETE", f"/backups?volid={q(volid)}").status_code == 404


def test_another_accounts_backup_is_not_found(client: TestClient, cloud: Cloud) -> None:
    volid = str(backed_up(cloud, cloud.running())["volid"])
    other = new_cloud(client)
    assert other.ok("GET", "/backups")["total"] == 0
    assert other.call("DELETE", f"/backups?volid={q(volid)}").status_code == 404
    assert other.call("PUT", f"/backups/notes?volid={q(volid)}", json={"notes": "mine"}).status_code == 404


def test_a_daily_schedule_fires_on_the_twin_clock_and_prunes_to_seven(cloud: Cloud) -> None:
    instance_id = cloud.running()
    saved = cloud.ok("POST", f"/instances/{instance_id}/backup-schedule", json={"frequency": "daily", "hour_utc": 3})
    assert (saved["message"], saved["frequency"], saved["hour_utc"], saved["retention"]) == (
        "Backup schedule created", "daily", 3, 7)
    assert saved["next_run_at"].endswith("T03:00:00Z")
    assert cloud.ok("GET", f"/instances/{instance_id}/backup-schedule")["next_run_at"] == saved["next_run_at"]

    cloud.advance(2 * 86_400)
    listed = cloud.ok("GET", f"/instances/{instance_id}/backups")["backups"]
    assert len(listed) == 2
    assert [b["created_at"][10:] for b in listed] == ["T03:00:00Z", "T03:00:00Z"]
    assert listed[0]["created_at"] > listed[1]["created_at"]
    assert cloud.ok("GET", f"/instances/{instance_id}/backup-schedule")["last_run_at"].endswith("T03:00:00Z")

    manual = backed_up(cloud, instance_id)["volid"]
    cloud.advance(8 * 86_400)
    kept = cloud.ok("GET", f"/instances/{instance_id}/backups")["backups"]
    assert len(kept) == 8 and manual in {b["volid"] for b in kept}


def test_a_schedule_is_checked_replaced_and_deleted(cloud: Cloud) -> None:
    instance_id = cloud.running()
    path = f"/instances/{instance_id}/backup-schedule"
    assert cloud.call("GET", path).status_code == 404
    weekly = cloud.call("POST", path, json={"frequency": "weekly", "hour_utc": 3})
    assert weekly.status_code == 400
    assert (weekly.json()["error"], list(weekly.json()["details"])) == ("invalid_schedule", ["day_of_week"])
    bad = cloud.call("POST", path, json={"frequency": "hourly", "hour_utc": 24}).json()
    assert set(bad["details"]) == {"frequency", "hour_utc"}
    cloud.ok("POST", path, json={"frequency": "daily", "hour_utc": 3})
    replaced = cloud.ok("POST", path, json={"frequency": "monthly", "hour_utc": 1, "day_of_month": 15})
    assert (replaced["message"], replaced["day_of_month"]) == ("Backup schedule updated", 15)
    assert "-15T01:00:00Z" in replaced["next_run_at"]
    assert cloud.ok("DELETE", path) == {"message": "Backup schedule deleted", "vm_uuid": instance_id}
    assert cloud.call("DELETE", path).status_code == 404
    cloud.advance(40 * 86_400)
    assert cloud.ok("GET", f"/instances/{instance_id}/backups")["total"] == 0
