"""Telemetry messages per second a WAYSCloud twin ingests over MQTT with rules on.

Starts ``twinstack serve --services wayscloud`` with its embedded broker on a free loopback port and
a fresh data dir, registers ``--devices`` devices, defines a datapoint and four rules (threshold,
missing data, message rate, offline; every message is evaluated against all of them), connects one
paho-mqtt client per device and has each publish ``--messages`` QoS 1 JSON messages of two values
as fast as the broker acknowledges them. The figure is messages ingested (stored, tallied, rules
evaluated: ``/v1/iot/stats`` ``messages_24h`` reaching the total) divided by the seconds from the
first publish until then. Bounded: the run gives up after ``--timeout`` seconds.

    python3 bench/mqtt_ingest.py [--devices 10] [--messages 500] [--timeout 180]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parent.parent
IOT = "/wayscloud/v1/iot"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port, mqtt_port = free_port(), free_port()
    cmd = [sys.executable, "-m", "twinstack", "serve", "--services", "wayscloud", "--speed", "instant",
           "--port", str(port), "--data-dir", str(data_dir), "--dns-port", "0",
           "--mqtt-url", f"embedded://127.0.0.1:{mqtt_port}"]
    log = open(data_dir.parent / "serve.log", "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/_twinstack/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("twinstack serve did not become healthy in 60 s")


def publish_all(device: dict[str, str], count: int, started: threading.Event, errors: list[str]) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device["mqtt_client_id"])
    client.username_pw_set(device["mqtt_username"], device["mqtt_password"])
    try:
        client.connect(device["host"], int(device["port"]))
        client.loop_start()
        started.wait()
        topic = f"devices/{device['device_id']}/telemetry"
        last = None
        for n in range(count):
            last = client.publish(topic, json.dumps({"temperature": 20 + n % 10, "humidity": 40 + n % 7}), qos=1)
        if last is not None:
            last.wait_for_publish(120)
        client.disconnect()
        client.loop_stop()
    except Exception as exc:  # reported, and the run fails to reach its total
        errors.append(f"{device['device_id']}: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--messages", type=int, default=500, help="per device")
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mqtt-bench-") as tmp:
        proc, url = start(Path(tmp) / "state")
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                made = http.post("/_twinstack/tenants", json={"name": "bench"}).json()
                h = {"X-API-Key": made["credentials"]["wayscloud"]["api_key"]}
                dp = http.post(f"{IOT}/datapoints", headers=h, json={"key": "temperature"}).json()
                for rule in (
                    {"name": "Hot", "rule_type": "threshold",
                     "config": {"datapoint_id": dp["id"], "operator": "gt", "value": 35}},
                    {"name": "Quiet", "rule_type": "missing_data", "config": {"silence_seconds": 600}},
                    {"name": "Chatty", "rule_type": "message_rate", "config": {"max_messages": 500000}},
                    {"name": "Offline", "rule_type": "offline", "config": {"silence_seconds": 600}},
                ):
                    http.post(f"{IOT}/rules", headers=h, json=rule).raise_for_status()
                devices = []
                for n in range(args.devices):
                    created = http.post(f"{IOT}/devices", headers=h, json={"device_id": f"bench-{n}",
                                                                          "name": f"Bench {n}"}).json()
                    created.update(host=created["mqtt_broker"]["host"], port=created["mqtt_broker"]["port"])
                    devices.append(created)
                go, errors = threading.Event(), []
                threads = [threading.Thread(target=publish_all, args=(d, args.messages, go, errors)) for d in devices]
                for t in threads:
                    t.start()
                time.sleep(1.0)
                total = args.devices * args.messages
                began = time.perf_counter()
                go.set()
                seen = 0
                while time.perf_counter() - began < args.timeout:
                    seen = http.get(f"{IOT}/stats", headers=h).json()["messages_24h"]
                    if seen >= total:
                        break
                    time.sleep(0.05)
                elapsed = time.perf_counter() - began
                for t in threads:
                    t.join(timeout=5)
                print(f"devices {args.devices}, messages {total} (QoS 1, 2 values each), rules 4")
                print(f"ingested {seen}/{total} in {elapsed:.2f} s: {seen / elapsed:.0f} messages/s "
                      f"({2 * seen / elapsed:.0f} datapoints/s)")
                if errors:
                    print("publish errors:", *errors, sep="\n  ")
                if seen < total:
                    log = (Path(tmp) / "serve.log").read_text(errors="replace").splitlines()
                    print("server log (last lines):", *log[-15:], sep="\n  ")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
