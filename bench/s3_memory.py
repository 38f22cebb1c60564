"""Peak memory of the S3 twin while one large object streams up and back down.

Starts ``twinstack serve --services wayscloud`` (SQLite state, bytes on disk),
uploads SIZE bytes with one streamed PUT (a generator body: the client holds
one block at a time), downloads it streaming and checks its SHA-256, sampling
the server's resident set size all along. Prints the server's RSS before,
its peak, and the time each direction took.

    python3 bench/s3_memory.py            # 1 GiB
    python3 bench/s3_memory.py --mib 256
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import psutil
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
BLOCK = 1 << 20


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _blocks(total: int, seed: bytes) -> Iterator[bytes]:
    block = hashlib.shake_256(seed).digest(BLOCK)
    sent = 0
    while sent < total:
        piece = block[: min(BLOCK, total - sent)]
        sent += len(piece)
        yield piece


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.running = True

    def rss(self) -> int:
        return int(self.process.memory_info().rss) + sum(int(c.memory_info().rss) for c in self.process.children())

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=1024, help="object size in MiB (default 1024)")
    size = parser.parse_args().mib * BLOCK
    port = _port()
    with tempfile.TemporaryDirectory(prefix="s3-memory-") as tmp:
        server = subprocess.Popen(
            [sys.executable, "-m", "twinstack", "serve", "--port", str(port), "--data-dir", f"{tmp}/state",
             "--dns-port", "0", "--mqtt-url", "none", "--services", "wayscloud", "--speed", "instant"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/_twinstack/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            tenant = httpx.post(f"{base}/_twinstack/tenants", json={"name": "bench"}).json()
            key = tenant["credentials"]["wayscloud"]["api_key"]
            creds = httpx.get(f"{base}/wayscloud/v1/storage/credentials", headers={"X-API-Key": key}).json()
            s3 = boto3.client("s3", endpoint_url=creds["endpoint_url"], aws_access_key_id=creds["access_key_id"],
                              aws_secret_access_key=creds["secret_access_key"], region_name=creds["region"],
                              config=Config(retries={"max_attempts": 1}))
            s3.create_bucket(Bucket="bench")
            sampler = Sampler(server.pid)
            before = sampler.rss()
            sampler.start()
            expected = hashlib.sha256()
            for piece in _blocks(size, b"bench"):
                expected.update(piece)
            url = s3.generate_presigned_url("put_object", Params={"Bucket": "bench", "Key": "big.bin"})
            started = time.perf_counter()
            put = httpx.put(url, content=_blocks(size, b"bench"), headers={"Content-Length": str(size)},
                            timeout=600)
            put.raise_for_status()
            up = time.perf_counter() - started
            started = time.perf_counter()
            got = hashlib.sha256()
            body = s3.get_object(Bucket="bench", Key="big.bin")["Body"]
            for chunk in iter(lambda: body.read(BLOCK), b""):
                got.update(chunk)
            down = time.perf_counter() - started
            sampler.running = False
            sampler.join()
            assert got.digest() == expected.digest(), "the object came back different"
            mib = 1 << 20
            print(f"object: {size // mib} MiB; server RSS before {before / mib:.0f} MiB, peak {sampler.peak / mib:.0f}"
                  f" MiB (+{(sampler.peak - before) / mib:.0f} MiB); upload {up:.1f} s"
                  f" ({size / mib / up:.0f} MiB/s), download {down:.1f} s ({size / mib / down:.0f} MiB/s)")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
