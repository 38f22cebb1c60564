"""Stats, console tickets and the instance log, all read from the twin clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tests.packs.bluelobster.conftest import Cloud


def connect(cloud: Cloud, ticket: str) -> dict[str, object]:
    """The VNC proxy's verdict on a ticket (the control plane plays the proxy)."""
    response = cloud.http.post("/_twinstack/bluelobster/console/connect", json={"ticket": ticket})
    assert response.status_code == 200, response.text
    verdict: dict[str, object] = response.json()
    return verdict


def test_a_console_ticket_works_for_30_twin_seconds(cloud: Cloud) -> None:
    instance_id = cloud.running()
    issued = cloud.ok("POST", f"/instances/{instance_id}/console")
    assert re.fullmatch(r"PVEVNC:[0-9A-F]{8}::\S+", issued["ticket"])
    assert (issued["port"], issued["instance_id"]) == (5900, instance_id)
    assert issued["host"] == f"{cloud.instance(instance_id)['host_id']}.bluelobster.ai"
    expires = datetime.fromisoformat(issued["expires_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=28) <= expires - cloud.now() <= timedelta(seconds=30)
    assert connect(cloud, issued["ticket"])["accepted"] is True
    assert cloud.ok("POST", f"/instances/{instance_id}/console")["ticket"] != issued["ticket"]

    cloud.advance(31)
    assert connect(cloud, issued["ticket"]) == {"accepted": False, "reason": "ticket expired",
                                               "instance_id": instance_id, "host": issued["host"],
                                               "expires_at": issued["expires_at"]}
    assert connect(cloud, "PVEVNC:00000000::forged")["accepted"] is False


def test_stats_follow_the_power_state_and_the_clock(cloud: Cloud) -> None:
    instance_id = cloud.running(instance_type="gpu_1x_a4000")
    for _ in range(5):
        stats = cloud.ok("GET", f"/instances/{instance_id}/stats")
        assert stats["status"] == "running"
        assert 2 <= stats["cpu"]["usage_percent"] <= 40 and stats["cpu"]["cores"] == 8
        assert stats["memory"]["total_bytes"] == 32 * 2**30
        assert 20 <= stats["memory"]["usage_percent"] <= 70
        assert stats["memory"]["used_bytes"] == int(stats["memory"]["total_bytes"] * stats["memory"]["usage_percent"] / 100)
        assert stats["disk"]["read_bytes_sec"] > 0 and stats["network"]["in_bytes_sec"] > 0
        cloud.advance(45)
    assert cloud.ok("GET", f"/instances/{instance_id}/stats")["uptime_seconds"] >= 225


def test_stats_move_smoothly_within_a_minute(cloud: Cloud) -> None:
    instance_id = cloud.running()
    before = cloud.ok("GET", f"/instances/{instance_id}/stats")["cpu"]["usage_percent"]
    after = cloud.ok("GET", f"/instances/{instance_id}/stats")["cpu"]["usage_percent"]
    assert abs(after - before) < 1.0


def test_the_log_bills_whole_half_hours_and_keeps_deleted_instances(cloud: Cloud) -> None:
    start = cloud.now() - timedelta(hours=1)
    instance_id = cloud.running(instance_type="gpu_1x_a4000", name="billed-box")
    address = cloud.instance(instance_id)["ip_address"]
    cloud.advance(10 * 3600 + 20 * 60)
    cloud.task(cloud.ok("DELETE", f"/instances/{instance_id}")["task_id"])
    end = cloud.now() + timedelta(hours=1)

    log = cloud.log(start, end)
    assert (log["total_records"], log["time_range"]) == (1, {"start": _iso(start), "end": _iso(end)})
    entry = log["instances"][0]
    assert (entry["uuid"], entry["name"], entry["status"], entry["ip_address"]) == (
        instance_id, "billed-box", "deleted", f"{address}/24")
    assert (entry["total_hours_billed"], entry["total_billed_cents"], entry["price_cents_per_hour"]) == (10.0, 450, 45)
    assert (entry["cpu_cores"], entry["memory_gb"], entry["disk_gb"], entry["gpu_count"]) == (8, 32, 250, 1)
    assert entry["deleted_at"] == entry["last_billed_at"]
    assert isinstance(entry["vmid"], int) and entry["vmid"] >= 100

    before = cloud.ok("POST", "/instances/log", json={"start_time": "2001-01-01T00:00:00Z",
                                                      "end_time": "2001-02-01T00:00:00Z"})
    assert before["total_records"] == 0


def test_the_log_refuses_a_reversed_or_too_long_range_with_422(cloud: Cloud) -> None:
    reversed_range = cloud.call("POST", "/instances/log", json={"start_time": "2024-02-01T00:00:00Z",
                                                               "end_time": "2024-01-01T00:00:00Z"})
    assert reversed_range.status_code == 422
    assert reversed_range.json() == {"error": "invalid_time_range", "message": "start_time must be before end_time"}
    too_long = cloud.call("POST", "/instances/log", json={"start_time": "2024-01-01T00:00:00Z",
                                                         "end_time": "2024-06-01T00:00:00Z"})
    assert too_long.json() == {"error": "invalid_time_range", "message": "Maximum time range is 90 days"}


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_expired_ticket_is_forgotten_an_hour_later(cloud: Cloud) -> None:
    instance_id = cloud.running()
    ticket = cloud.ok("POST", f"/instances/{instance_id}/console")["ticket"]
    cloud.advance(30 + 3000)
    assert connect(cloud, ticket)["reason"] == "ticket expired"
    cloud.advance(700)
    assert connect(cloud, ticket) == {"accepted": False, "reason": "unknown ticket"}
