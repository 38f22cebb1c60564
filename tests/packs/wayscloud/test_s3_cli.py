"""The AWS CLI (``aws s3``) as a second S3 client of the live twin: cp up and down, ls, rm, mb, rb."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import LiveServer
from tests.packs.wayscloud.conftest import Tenant
from tests.packs.wayscloud.s3_clients import S3Keys, boto3_client, s3_keys


def _aws(keys: S3Keys, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(home), "AWS_ACCESS_KEY_ID": keys.access_key_id,
        "AWS_SECRET_ACCESS_KEY": keys.secret_access_key, "AWS_DEFAULT_REGION": keys.region,
        "AWS_ENDPOINT_URL": keys.endpoint_url, "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"), "AWS_EC2_METADATA_DISABLED": "true",
    }
    quiet = ["--no-progress"] if args[:2] == ("s3", "cp") else []
    return subprocess.run([sys.executable, "-m", "awscli", *args, *quiet], env=env, capture_output=True, text=True,
                          timeout=120)


def test_aws_cli_round_trip(live_twin: LiveServer, cloud_tenant: Tenant, tmp_path: Path) -> None:
    keys = s3_keys(live_twin, cloud_tenant.api_key)
    home = tmp_path / "home"
    home.mkdir()
    made = _aws(keys, home, "s3", "mb", "s3://cli-bucket")
    assert made.returncode == 0, made.stderr
    source = tmp_path / "report.bin"
    data = os.urandom(9 * 1024 * 1024 + 123)  # above the CLI's 8 MiB threshold: sent in parts
    source.write_bytes(data)
    (tmp_path / "notes.txt").write_text("hello from the CLI\n")
    for name, key in (("report.bin", "docs/report.bin"), ("notes.txt", "docs/notes.txt")):
        sent = _aws(keys, home, "s3", "cp", str(tmp_path / name), f"s3://cli-bucket/{key}")
        assert sent.returncode == 0, sent.stderr
    top = _aws(keys, home, "s3", "ls", "s3://cli-bucket/")
    assert top.returncode == 0 and "PRE docs/" in top.stdout, top.stderr
    inside = _aws(keys, home, "s3", "ls", "s3://cli-bucket/docs/")
    lines = sorted(line.split()[-2:] for line in inside.stdout.splitlines())
    assert lines == [[str(len("hello from the CLI\n")), "notes.txt"], [str(len(data)), "report.bin"]]
    back = tmp_path / "back.bin"
    got = _aws(keys, home, "s3", "cp", "s3://cli-bucket/docs/report.bin", str(back))
    assert got.returncode == 0, got.stderr
    assert back.read_bytes() == data
    s3 = boto3_client(keys)  # what the CLI wrote, boto3 reads
    assert s3.get_object(Bucket="cli-bucket", Key="docs/notes.txt")["Body"].read() == b"hello from the CLI\n"
    assert "cli-bucket" in _aws(keys, home, "s3", "ls").stdout
    assert _aws(keys, home, "s3", "rb", "s3://cli-bucket").returncode != 0  # not empty
    removed = _aws(keys, home, "s3", "rm", "--recursive", "s3://cli-bucket/docs/")
    assert removed.returncode == 0, removed.stderr
    assert _aws(keys, home, "s3", "rb", "s3://cli-bucket").returncode == 0
    assert "cli-bucket" not in _aws(keys, home, "s3", "ls").stdout
