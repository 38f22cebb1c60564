"""The benchmark's booking baseline does the bookkeeping it claims: capacity, addresses and tasks stored."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import baseline_app

LAUNCH = {"region": "us-east-1", "instance_type": "v1_cpu_small", "username": "ubuntu",
          "ssh_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZ1cmV0ZXN0a2V5 user@host"}
URL = baseline_app.PREFIX + "/instances/launch-instance"


def test_booking_launches_take_distinct_addresses_book_capacity_and_record_their_task(tmp_path: Path) -> None:
    db = tmp_path / "b.sqlite"
    client = TestClient(baseline_app.create_app(db, "k", booking=True))
    replies = [client.post(URL, json=LAUNCH, headers={"X-API-Key": "k"}) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    data = [r.json()["data"] for r in replies]
    assert len({d["assigned_ip"] for d in data}) == 3
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT cores, memory, storage FROM hosts WHERE id='wil-cpu-01'").fetchone() == (6, 24, 300)
    tasks = dict(conn.execute("SELECT task_id, subject FROM tasks").fetchall())
    assert tasks == {d["task_id"]: d["instance_ids"][0] for d in data}
    assert client.get(baseline_app.PREFIX + "/instances", headers={"X-API-Key": "k"}).json()[0]["host_id"] == "wil-cpu-01"


def test_booking_refuses_a_region_with_no_host_and_books_nothing(tmp_path: Path) -> None:
    db = tmp_path / "b.sqlite"
    client = TestClient(baseline_app.create_app(db, "k", booking=True))
    reply = client.post(URL, json=LAUNCH | {"region": "eu-north-1"}, headers={"X-API-Key": "k"})
    assert reply.status_code == 409
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM instances").fetchone()[0] == 0
    assert conn.execute("SELECT SUM(next_ip) FROM regions").fetchone()[0] == 0
