"""Tasks on the twin clock: PENDING -> PROCESSING -> COMPLETED/FAILED, their list, and effects applied once."""

from __future__ import annotations

import json
from datetime import timedelta
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import LiveServer
from tests.packs.bluelobster.conftest import Cloud, new_cloud


def stored(cloud: Cloud, rid: str) -> dict[str, Any]:
    """A record as the store holds it (from the state export, which settles nothing)."""
    snapshot = cloud.http.get("/_twinstack/state/export").json()
    columns = snapshot["columns"]["resources"]
    row = next(r for r in snapshot["resources"] if r[columns.index("rid")] == rid)
    data: dict[str, Any] = json.loads(row[columns.index("data")])
    return data


def test_a_launch_task_moves_pending_processing_completed_as_the_clock_advances(slow_cloud: Cloud) -> None:
    data = slow_cloud.launch()
    assert data["status"] == "PENDING"
    task_id, instance_id = data["task_id"], data["instance_ids"][0]
    pending = slow_cloud.task(task_id)
    assert (pending["status"], pending["operation"]) == ("PENDING", "create_instance")
    creating = slow_cloud.instance(instance_id)
    assert (creating["power_status"], creating["ip_address"]) == ("unknown", data["assigned_ip"])

    slow_cloud.advance(5)
    processing = slow_cloud.task(task_id)
    assert (processing["status"], processing["message"]) == ("PROCESSING", "Allocating resources")
    assert processing["updated_at"] > pending["updated_at"]

    slow_cloud.advance(200)
    done = slow_cloud.task(task_id)
    assert (done["status"], done["message"]) == ("COMPLETED", "VM created successfully")
    assert done["params"]["vm_uuid"] == instance_id
    assert done["account_id"] == slow_cloud.tenant_id
    assert slow_cloud.instance(instance_id)["power_status"] == "running"


def test_a_task_asked_for_during_another_waits_for_it(slow_cloud: Cloud) -> None:
    instance_id = slow_cloud.launch()["instance_ids"][0]
    slow_cloud.advance(200)
    shutdown = slow_cloud.ok("POST", f"/instances/{instance_id}/shutdown")
    power_on = slow_cloud.ok("POST", f"/instances/{instance_id}/power-on")
    slow_cloud.advance(5)
    assert slow_cloud.task(shutdown["task_id"])["status"] == "PROCESSING"
    assert slow_cloud.task(power_on["task_id"])["status"] == "PENDING"
    slow_cloud.advance(35)
    assert slow_cloud.task(shutdown["task_id"])["status"] == "COMPLETED"
    slow_cloud.advance(60)
    assert slow_cloud.task(power_on["task_id"])["status"] == "COMPLETED"
    assert slow_cloud.instance(instance_id)["power_status"] == "running"


def test_a_precondition_that_fails_when_the_task_starts_fails_the_task_with_the_reason(cloud: Cloud) -> None:
    instance_id = cloud.running()
    assert cloud.task(cloud.ok("POST", f"/instances/{instance_id}/shutdown")["task_id"])["status"] == "COMPLETED"
    again = cloud.task(cloud.ok("POST", f"/instances/{instance_id}/force-shutdown")["task_id"])
    assert (again["status"], again["message"]) == ("FAILED", "Instance is already stopped")
    cloud.task(cloud.ok("POST", f"/instances/{instance_id}/power-on")["task_id"])
    twice = cloud.task(cloud.ok("POST", f"/instances/{instance_id}/power-on")["task_id"])
    assert (twice["status"], twice["message"]) == ("FAILED", "Instance must be in stopped state (it is running)")


def test_effects_happen_once_whether_a_due_job_or_a_read_settles_the_task(slow_cloud: Cloud) -> None:
    instance_id = slow_cloud.launch()["instance_ids"][0]
    slow_cloud.advance(200)
    backup = slow_cloud.ok("POST", f"/instances/{instance_id}/backup")
    slow_cloud.advance(600)
    # The due job has completed the task before anyone read it...
    assert stored(slow_cloud, backup["task_id"])["status"] == "COMPLETED"
    # ...and reading it, and the backups, many times writes nothing more.
    for _ in range(3):
        assert slow_cloud.task(backup["task_id"])["status"] == "COMPLETED"
        assert slow_cloud.ok("GET", f"/instances/{instance_id}/backups")["total"] == 1
    assert slow_cloud.ok("GET", "/backups")["total"] == 1


def test_the_task_list_filters_by_status_days_and_limit_newest_first(cloud: Cloud) -> None:
    old = cloud.running()
    cloud.advance(1.5 * 86_400)
    recent = cloud.ok("POST", f"/instances/{old}/force-shutdown")["task_id"]
    failed = cloud.ok("POST", f"/instances/{old}/shutdown")["task_id"]

    today = cloud.ok("GET", "/tasks")
    assert (today["limit"], today["days"], today["total"]) == (50, 1, 2)
    assert [t["task_id"] for t in today["tasks"]] == [failed, recent]
    assert set(today["tasks"][0]) == {"task_id", "status", "operation", "created_at", "updated_at", "message",
                                      "auth_token_partial", "client_ip"}
    assert today["tasks"][0]["auth_token_partial"] == cloud.api_key[:8]

    assert cloud.ok("GET", "/tasks?days=2")["total"] == 3
    assert [t["task_id"] for t in cloud.ok("GET", "/tasks?status=FAILED")["tasks"]] == [failed]
    assert [t["task_id"] for t in cloud.ok("GET", "/tasks?status=completed")["tasks"]] == [recent]
    limited = cloud.ok("GET", "/tasks?days=30&limit=1")
    assert (len(limited["tasks"]), limited["days"], limited["total"]) == (1, 7, 3)


def test_tasks_are_kept_seven_days(cloud: Cloud) -> None:
    task_id = cloud.launch()["task_id"]
    assert cloud.task(task_id)["status"] == "COMPLETED"
    cloud.advance(8 * 86_400)
    assert cloud.ok("GET", "/tasks?days=7")["total"] == 0
    assert cloud.call("GET", f"/tasks/{task_id}").status_code == 404


def test_another_accounts_task_is_not_found(client: TestClient, cloud: Cloud) -> None:
    task_id = cloud.launch()["task_id"]
    response = new_cloud(client).call("GET", f"/tasks/{task_id}")
    assert response.status_code == 404
    assert response.json() == {"error": "task_not_found", "message": "Task not found", "task_id": task_id}


def test_tasks_carry_on_after_a_restart(make_server: Callable[..., LiveServer]) -> None:
    server = make_server("--speed", "realistic", "--services", "bluelobster")
    with server.http() as http:
        cloud = new_cloud(http)
        launched = cloud.launch()
    server.restart()
    with server.http() as http:
        cloud = Cloud(http, cloud.api_key, cloud.tenant_id)
        # The restart took a few real seconds: the task may have started, but a creation takes a minute or more.
        assert cloud.task(launched["task_id"])["status"] in ("PENDING", "PROCESSING")
        cloud.advance(200)
        # The restarted server's scheduler completed it: the stored task is done before any read.
        assert stored(cloud, launched["task_id"])["status"] == "COMPLETED"
        assert cloud.instance(launched["instance_ids"][0])["power_status"] == "running"


def test_a_creation_that_fails_returns_its_reservations_and_is_never_billed(cloud: Cloud) -> None:
    launched = cloud.launch(region="us-east-dev", instance_type="gpu_1x_a4000", iso_url="ftp://example.com/os.iso")
    failed = cloud.task(launched["task_id"])
    assert failed["status"] == "FAILED"
    assert failed["message"].startswith("Failed to download ISO")
    assert cloud.call("GET", f"/instances/{launched['instance_ids'][0]}").status_code == 404
    # Its address and its GPU are free again: the next launch gets both.
    again = cloud.launch(region="us-east-dev", instance_type="gpu_1x_a4000")
    assert again["assigned_ip"] == launched["assigned_ip"]
    entry = next(i for i in cloud.log(cloud.now() - timedelta(hours=1), cloud.now() + timedelta(hours=1))["instances"]
                 if i["uuid"] == launched["instance_ids"][0])
    assert (entry["status"], entry["total_billed_cents"], entry["first_billed_at"]) == ("deleted", 0, None)


def test_the_days_window_is_exact_to_the_second_not_to_the_hour(cloud: Cloud) -> None:
    task_id = cloud.launch()["task_id"]
    cloud.advance(86_400 - 300)
    assert [t["task_id"] for t in cloud.ok("GET", "/tasks")["tasks"]] == [task_id]
    cloud.advance(600)
    assert cloud.ok("GET", "/tasks") == {"tasks": [], "total": 0, "limit": 50, "days": 1}
    assert cloud.ok("GET", "/tasks?days=2")["total"] == 1


def test_finished_tasks_leave_the_state_once_past_retention(cloud: Cloud) -> None:
    instance_id = cloud.running()
    old = cloud.ok("POST", f"/instances/{instance_id}/force-shutdown")["task_id"]
    assert cloud.task(old)["status"] == "COMPLETED"
    cloud.advance(3 * 86_400)
    recent = cloud.ok("POST", f"/instances/{instance_id}/power-on")["task_id"]
    assert cloud.task(recent)["status"] == "COMPLETED"
    cloud.advance(6 * 86_400)
    # The first day's tasks were purged by their due job; the later one is still kept and shown.
    snapshot = cloud.http.get("/_twinstack/state/export").json()
    rid = snapshot["columns"]["resources"].index("rid")
    kept = {row[rid] for row in snapshot["resources"]}
    assert old not in kept and recent in kept
    assert [t["task_id"] for t in cloud.ok("GET", "/tasks?days=7")["tasks"]] == [recent]


def test_many_tasks_are_counted_and_paged_newest_first(cloud: Cloud) -> None:
    instance_id = cloud.running()
    asked = [cloud.ok("POST", f"/instances/{instance_id}/power-cycle")["task_id"] for _ in range(120)]
    listed = cloud.ok("GET", "/tasks?limit=100")
    assert (listed["total"], len(listed["tasks"])) == (121, 100)
    assert [t["task_id"] for t in listed["tasks"]] == asked[::-1][:100]
    assert {t["status"] for t in listed["tasks"]} == {"COMPLETED"}
    assert cloud.ok("GET", "/tasks?status=pending")["total"] == 0
