"""The power state machine: queued shutdown/power-on/power-cycle tasks, the synchronous reboot and its 409s."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from tests.packs.bluelobster.conftest import Cloud, new_cloud


def power(cloud: Cloud, instance_id: str, operation: str) -> dict[str, object]:
    """Queue a power task, check its reply, and return the task once settled."""
    reply = cloud.ok("POST", f"/instances/{instance_id}/{operation}")
    assert set(reply) == {"task_id", "status", "message", "instance_id", "host"}
    assert (reply["status"], reply["instance_id"]) == ("PENDING", instance_id)
    return cloud.task(reply["task_id"])


def test_shutdown_power_on_and_power_cycle_change_the_power_state(cloud: Cloud) -> None:
    instance_id = cloud.running()
    assert power(cloud, instance_id, "shutdown")["operation"] == "shutdown_instance"
    assert cloud.instance(instance_id)["power_status"] == "stopped"
    assert power(cloud, instance_id, "power-on")["status"] == "COMPLETED"
    assert cloud.instance(instance_id)["power_status"] == "running"
    assert power(cloud, instance_id, "force-shutdown")["status"] == "COMPLETED"
    assert cloud.instance(instance_id)["power_status"] == "stopped"
    assert power(cloud, instance_id, "power-cycle")["status"] == "COMPLETED"
    assert cloud.instance(instance_id)["power_status"] == "running"


def test_the_queued_messages_are_the_documents(cloud: Cloud) -> None:
    instance_id = cloud.running()
    said = {op: cloud.ok("POST", f"/instances/{instance_id}/{op}")["message"]
            for op in ("shutdown", "power-on", "force-shutdown", "power-cycle")}
    assert said == {"shutdown": "VM shutdown queued", "power-on": "VM power on queued",
                    "force-shutdown": "VM force shutdown queued", "power-cycle": "VM power cycle queued"}


def test_a_stopped_instance_shows_zero_stats_and_refuses_the_console(cloud: Cloud) -> None:
    instance_id = cloud.running(instance_type="v1_cpu_medium")
    power(cloud, instance_id, "shutdown")
    stats = cloud.ok("GET", f"/instances/{instance_id}/stats")
    assert stats == {
        "instance_id": instance_id, "status": "stopped", "cpu": {"usage_percent": 0.0, "cores": 4},
        "memory": {"used_bytes": 0, "total_bytes": 16 * 2**30, "usage_percent": 0.0},
        "disk": {"read_bytes_sec": 0, "write_bytes_sec": 0}, "network": {"in_bytes_sec": 0, "out_bytes_sec": 0},
        "uptime_seconds": 0,
    }
    console = cloud.call("POST", f"/instances/{instance_id}/console")
    assert console.status_code == 400
    assert console.json() == {"error": "invalid_state", "message": "Instance must be running to access console"}


def test_reboot_answers_when_done_and_starts_uptime_again(cloud: Cloud) -> None:
    instance_id = cloud.running()
    cloud.advance(600)
    assert cloud.ok("GET", f"/instances/{instance_id}/stats")["uptime_seconds"] >= 600
    rebooted = cloud.ok("POST", f"/instances/{instance_id}/reboot")
    assert rebooted == {"status": "success", "message": "Instance rebooted successfully", "instance_id": instance_id,
                        "host": rebooted["host"], "duration_ms": 0}
    assert cloud.ok("GET", f"/instances/{instance_id}/stats")["uptime_seconds"] < 60
    assert cloud.instance(instance_id)["power_status"] == "running"


def test_reboot_during_another_operation_is_409_operation_in_progress(slow_cloud: Cloud) -> None:
    instance_id = slow_cloud.launch()["instance_ids"][0]
    during_creation = slow_cloud.call("POST", f"/instances/{instance_id}/reboot")
    assert during_creation.status_code == 409
    assert during_creation.json() == {"error": "operation_in_progress",
                                      "message": "Another operation is in progress on this Instance"}
    slow_cloud.advance(200)
    slow_cloud.ok("POST", f"/instances/{instance_id}/shutdown")
    assert slow_cloud.call("POST", f"/instances/{instance_id}/reboot").status_code == 409
    slow_cloud.advance(60)
    stopped = slow_cloud.call("POST", f"/instances/{instance_id}/reboot")
    assert stopped.status_code == 409
    assert stopped.json() == {"error": "invalid_state", "message": "Instance must be running to reboot"}


def test_reboot_reports_its_duration_at_the_configured_speed(make_client: Callable[..., TestClient]) -> None:
    fast = new_cloud(make_client(speed="fast"))
    instance_id = fast.launch()["instance_ids"][0]
    fast.advance(20)
    assert fast.instance(instance_id)["power_status"] == "running"
    # A realistic reboot takes 10-20 s; at --speed fast, a tenth of that.
    assert 1000 <= fast.ok("POST", f"/instances/{instance_id}/reboot")["duration_ms"] <= 2000
