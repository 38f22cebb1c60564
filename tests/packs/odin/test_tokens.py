"""ODIN room tokens through HTTP: signed as the odin-tokens libraries sign them, from the configured provider."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant

ODIN_TOKENS = "@4players/odin-tokens@1.4.0"
"""The official JavaScript token library, pinned exactly."""


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _access_key(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    made = client.post(f"{API}/projects/{tenant.project_id}/voice/access-keys", headers=tenant.key_headers,
                       json={"name": "tokens"})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _settings(client: TestClient, tenant: Tenant, body: dict[str, Any]) -> None:
    saved = client.put(f"{API}/projects/{tenant.project_id}/settings", headers=tenant.key_headers, json=body)
    assert saved.status_code == 200, saved.text


def _token(client: TestClient, tenant: Tenant, room: str = "my-awesome-room", user: str = "my-user-id") -> Any:
    return client.post(f"{API}/projects/{tenant.project_id}/token", headers=tenant.key_headers,
                       json={"roomId": room, "userId": user})


def _twin_now(client: TestClient) -> int:
    from datetime import datetime
    text = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def test_a_token_from_an_access_key_verifies_with_its_public_key(client: TestClient, tenant: Tenant) -> None:
    key = _access_key(client, tenant)
    _settings(client, tenant, {"tokenProviderType": "access_key",
                               "accessKeyConfig": {"accessKey": key["accessKey"], "botUserId": "cortex-bot"}})
    before = _twin_now(client)
    response = _token(client, tenant)
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    header_part, claims_part, _ = token.split(".")
    assert json.loads(_b64url(header_part)) == {"alg": "EdDSA", "kid": key["keyId"]}
    assert _b64url(header_part) == b'{"alg":"EdDSA","kid":"' + key["keyId"].encode() + b'"}'
    claims = json.loads(_b64url(claims_part))
    assert list(claims) == ["rid", "uid", "sub", "exp", "nbf"]
    assert claims["rid"] == "my-awesome-room" and claims["uid"] == "my-user-id" and claims["sub"] == "connect"
    assert claims["exp"] - claims["nbf"] == 300 and before <= claims["nbf"] <= before + 2

    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["pubKey"]))
    verified = jwt.decode(token, public, algorithms=["EdDSA"], options={"verify_exp": False, "verify_nbf": False})
    assert verified == claims
    other = Ed25519PublicKey.from_public_bytes(base64.b64decode(_access_key(client, tenant)["pubKey"]))
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, other, algorithms=["EdDSA"], options={"verify_exp": False, "verify_nbf": False})


def test_without_configured_settings_there_is_no_token(client: TestClient, tenant: Tenant) -> None:
    response = _token(client, tenant)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "message": "Project settings not configured", "error": "Bad Request"}
    missing = client.post(f"{API}/projects/{tenant.project_id}/token", headers=tenant.key_headers, json={"roomId": "r"})
    assert missing.status_code == 400 and missing.json()["message"] == ["userId should not be empty"]
    other = tenant_credentials(client)["credentials"]["odin"]["api_key"]
    assert client.post(f"{API}/projects/{tenant.project_id}/token", headers={"X-API-Key": other},
                       json={"roomId": "r", "userId": "u"}).status_code == 403


class _Receiver(BaseHTTPRequestHandler):
    """A user's token service: records each request and answers a token at ``data.token``."""

    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        answer = json.dumps({"data": {"token": f"issued-for-{body.get('room')}-{body.get('user')}"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    handler = type("Receiver", (_Receiver,), {"seen": seen})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/odin-token", seen
    server.shutdown()
    server.server_close()


def test_a_webservice_provider_is_really_called_with_the_filled_template(
    client: TestClient, tenant: Tenant, receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, seen = receiver
    _settings(client, tenant, {"tokenProviderType": "webservice", "webserviceConfig": {
        "url": url, "method": "POST", "headers": {"Authorization": "Bearer svc-secret"},
        "bodyTemplate": '{"room": "{{roomId}}", "user": "{{userId}}"}', "responseTokenPath": "data.token"}})
    response = _token(client, tenant, room='lobby "7"', user="alice")
    assert response.status_code == 201, response.text
    assert response.json() == {"token": 'issued-for-lobby "7"-alice'}
    assert seen == [{"path": "/odin-token", "auth": "Bearer svc-secret", "body": {"room": 'lobby "7"', "user": "alice"}}]


def test_an_unreachable_webservice_is_a_400_not_a_token(client: TestClient, tenant: Tenant) -> None:
    _settings(client, tenant, {"tokenProviderType": "webservice", "webserviceConfig": {
        "url": "http://127.0.0.1:9/none", "method": "POST", "responseTokenPath": "token"}})
    response = _token(client, tenant)
    assert response.status_code == 400 and "unreachable" in response.json()["message"]


def test_the_legacy_operation_signs_with_an_access_key_of_the_project_or_its_secret(
    client: TestClient, tenant: Tenant,
) -> None:
    key = _access_key(client, tenant)
    legacy = client.post(f"{API}/projects/token", headers=tenant.key_headers,
                         json={"roomId": "r1", "projectId": tenant.project_id, "secret": key["accessKey"]})
    assert legacy.status_code == 201, legacy.text
    token = legacy.json()["token"]
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["pubKey"]))
    claims = jwt.decode(token, public, algorithms=["EdDSA"], options={"verify_exp": False, "verify_nbf": False})
    assert claims["rid"] == "r1" and claims["uid"] == ""
    project = client.get(f"{API}/projects", headers=tenant.key_headers).json()[0]
    by_secret = client.post(f"{API}/projects/token", headers=tenant.key_headers,
                            json={"roomId": "r2", "projectId": project["appId"], "secret": project["secret"]})
    assert by_secret.status_code == 201 and by_secret.json()["token"].count(".") == 2
    wrong = client.post(f"{API}/projects/token", headers=tenant.key_headers,
                        json={"roomId": "r2", "projectId": tenant.project_id, "secret": "nope"})
    assert wrong.status_code == 401


_NODE_CHECK = r"""
const [dir, accessKey, token, roomId, userId] = process.argv.slice(1);
const odin = require(dir + '/node_modules/@4players/odin-tokens');
const nacl = require(dir + '/node_modules/tweetnacl');
const pair = odin.loadAccessKey(accessKey);
const [header, claims, signature] = token.split('.');
const nbf = JSON.parse(Buffer.from(claims, 'base64url').toString()).nbf;
Date.now = () => nbf * 1000;
const theirs = new odin.TokenGenerator(accessKey).createToken(roomId, userId);
const verified = nacl.sign.detached.verify(
  new TextEncoder().encode(header + '.' + claims), Buffer.from(signature, 'base64url'), pair.publicKey);
console.log(JSON.stringify({keyId: odin.getKeyId(pair.publicKey), theirs, verified}));
"""


@pytest.fixture(scope="module")
def odin_tokens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The official library installed into a temporary folder; the test is skipped where that cannot be done."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed")
    folder = tmp_path_factory.mktemp("odin-tokens")
    try:
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), ODIN_TOKENS],
                              capture_output=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip("npm install of odin-tokens timed out (offline?)")
    if done.returncode != 0:
        pytest.skip(f"npm could not install {ODIN_TOKENS} (offline?)")
    return folder


def test_the_official_library_accepts_the_key_and_makes_the_identical_token(
    client: TestClient, tenant: Tenant, odin_tokens: Path,
) -> None:
    key = _access_key(client, tenant)
    _settings(client, tenant, {"tokenProviderType": "access_key",
                               "accessKeyConfig": {"accessKey": key["accessKey"], "botUserId": "cortex-bot"}})
    token = _token(client, tenant, room="Raum ü", user="user-1").json()["token"]
    ran = subprocess.run(["node", "-e", _NODE_CHECK, str(odin_tokens), key["accessKey"], token, "Raum ü", "user-1"],
                         capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(ran.stdout)
    assert result == {"keyId": key["keyId"], "theirs": token, "verified": True}
