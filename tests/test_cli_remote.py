"""The control-plane CLI (``twinstack health``, ``tenants``, ``outbox``, ... ) run as a user runs it, on a real serve."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, LiveServer, free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("cli-remote") / "state", ["--speed", "instant", "--services", "wayscloud"])
    live.start()
    yield live
    live.stop()


@pytest.fixture
def twin(server: LiveServer) -> LiveServer:
    server.reset()
    return server


def env_for(url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TWINSTACK_URL", "TWINSTACK_CONTROL_TOKEN")}
    if url is not None:
        env["TWINSTACK_URL"] = url
    return env


def cli(twin: LiveServer | None, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "twinstack", *args], capture_output=True, text=True,
                          env=env_for(twin.url if twin else None), cwd=ROOT, timeout=120)


def cli_json(twin: LiveServer, *args: str) -> Any:
    done = cli(twin, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def send_sms(twin: LiveServer, key: str, to: str, text: str) -> None:
    answer = httpx.post(twin.url + "/wayscloud/v1/sms/send", headers={"X-API-Key": key},
                        json={"to": [to], "message": text}, timeout=30)
    assert answer.status_code == 200, answer.text


def test_health_as_a_table_and_as_json(twin: LiveServer) -> None:
    table = cli(twin, "health")
    assert table.returncode == 0, table.stderr
    assert "wayscloud" in table.stdout and "ready" in table.stdout
    assert cli_json(twin, "health")["services"] == {"wayscloud": "ready"}


def test_tenants_create_and_show(twin: LiveServer) -> None:
    made = cli_json(twin, "tenants", "create", "--name", "ci")
    assert made["name"] == "ci" and made["credentials"]["wayscloud"]["api_key"]
    shown = cli(twin, "tenants", "show", made["id"])
    assert shown.returncode == 0
    assert made["credentials"]["wayscloud"]["api_key"] in shown.stdout
    missing = cli(twin, "tenants", "show", "no-such-tenant")
    assert missing.returncode == 1 and "404" in missing.stderr


def test_outbox_filters_by_channel_and_requests_lists_the_calls(twin: LiveServer) -> None:
    tenant = cli_json(twin, "tenants", "create")
    send_sms(twin, tenant["credentials"]["wayscloud"]["api_key"], "+4791234567", "hello from the CLI test")
    [message] = cli_json(twin, "outbox", "--channel", "sms")["messages"]
    assert (message["recipient"], message["body"]) == ("+4791234567", "hello from the CLI test")
    assert cli_json(twin, "outbox", "--channel", "email")["messages"] == []
    table = cli(twin, "outbox")
    assert "+4791234567" in table.stdout and "RECIPIENT" in table.stdout
    journal = cli_json(twin, "requests")["requests"]
    assert any(e["path"] == "/wayscloud/v1/sms/send" and e["status"] == 200 for e in journal)
    assert "/wayscloud/v1/sms/send" in cli(twin, "requests").stdout


def test_outbox_follow_prints_new_messages_until_interrupted(twin: LiveServer) -> None:
    key = cli_json(twin, "tenants", "create")["credentials"]["wayscloud"]["api_key"]
    send_sms(twin, key, "+4790000001", "before following")
    follower = subprocess.Popen([sys.executable, "-m", "twinstack", "outbox", "--channel", "sms", "--follow", "--json",
                                 "--interval", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env_for(twin.url), cwd=ROOT)
    try:
        assert follower.stdout is not None
        assert json.loads(follower.stdout.readline())["body"] == "before following"
        send_sms(twin, key, "+4790000002", "while following")
        assert json.loads(follower.stdout.readline())["body"] == "while following"
    finally:
        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=30) == 0


def test_clock_advance_takes_durations(twin: LiveServer) -> None:
    before = httpx.post(twin.url + "/_twinstack/clock/advance", json={"seconds": 0}, timeout=30).json()["now"]
    moved = cli_json(twin, "clock", "advance", "2d")
    assert moved["now"][:10] > before[:10]
    assert cli(twin, "clock", "advance", "15m").returncode == 0
    bad = cli(twin, "clock", "advance", "1 fortnight")
    assert bad.returncode == 2 and "not a duration" in bad.stderr
    too_far = cli(twin, "clock", "advance", "5000000d")
    assert too_far.returncode == 1 and "seconds" in too_far.stderr


def test_state_export_reset_and_import(twin: LiveServer, tmp_path: Path) -> None:
    tenant = cli_json(twin, "tenants", "create", "--name", "kept")
    snapshot = tmp_path / "snapshot.json"
    exported = cli(twin, "state", "export", str(snapshot))
    assert exported.returncode == 0 and json.loads(snapshot.read_text())["format"] == "twinstack-state/1"
    assert cli(twin, "reset").returncode == 0
    assert cli(twin, "tenants", "show", tenant["id"]).returncode == 1
    assert cli(twin, "state", "import", str(snapshot)).returncode == 0
    assert cli_json(twin, "tenants", "show", tenant["id"])["name"] == "kept"
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    assert cli(twin, "state", "import", str(tmp_path / "bad.json")).returncode == 1
    assert cli(twin, "state", "import", str(tmp_path / "absent.json")).returncode == 2


def test_faults_arm_list_and_clear(twin: LiveServer) -> None:
    key = cli_json(twin, "tenants", "create")["credentials"]["wayscloud"]["api_key"]
    armed = cli_json(twin, "faults", "arm", "wayscloud", "GET /v1/vps", "--status", "401", "--count", "1")
    assert (armed["operation"], armed["status"], armed["count"]) == ("listVps", 401, 1)
    assert httpx.get(twin.url + "/wayscloud/v1/vps", headers={"X-API-Key": key}, timeout=10).status_code == 401
    [listed] = cli_json(twin, "faults", "list")["faults"]
    assert (listed["id"], listed["hits"]) == (armed["id"], 1)
    assert armed["id"] in cli(twin, "faults", "list").stdout
    undeclared = cli(twin, "faults", "arm", "wayscloud", "listVps", "--status", "503")
    assert undeclared.returncode == 1 and "503" in undeclared.stderr
    assert cli_json(twin, "faults", "clear", armed["id"]) == {"cleared": 1}
    assert cli(twin, "faults", "clear", armed["id"]).returncode == 1
    cli_json(twin, "faults", "arm", "wayscloud", "listVps", "--latency-ms", "10-20")
    assert cli_json(twin, "faults", "clear") == {"cleared": 1}
    assert cli_json(twin, "faults", "list") == {"faults": []}


def test_no_twin_answering_and_bad_usage_exit_2() -> None:
    gone = subprocess.run([sys.executable, "-m", "twinstack", "health", "--url", f"http://127.0.0.1:{free_port()}"],
                          capture_output=True, text=True, env=env_for(None), cwd=ROOT, timeout=60)
    assert gone.returncode == 2 and "no twin answers" in gone.stderr
    assert cli(None, "tenants").returncode == 2
    assert cli(None, "faults", "arm", "wayscloud").returncode == 2
