"""ODIN voice through HTTP: access keys in the real format, voice settings, peer limit, analytics."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.odin.conftest import API, Tenant


def _crc8(data: bytes) -> int:
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x31) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _voice(tenant: Tenant, rest: str = "") -> str:
    return f"{API}/projects/{tenant.project_id}/voice{rest}"


def test_a_created_access_key_is_in_odins_format_and_its_public_parts_follow_from_it(
    client: TestClient, tenant: Tenant,
) -> None:
    created = client.post(_voice(tenant, "/access-keys"), headers=tenant.bearer_headers,
                          json={"name": "game server", "description": "eu"})
    assert created.status_code == 201, created.text
    body = created.json()
    raw = base64.b64decode(body["accessKey"])
    assert len(body["accessKey"]) == 44 and len(raw) == 33 and raw[0] == 1
    assert _crc8(raw[1:]) == 0
    public = Ed25519PrivateKey.from_private_bytes(raw[1:]).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert body["pubKey"] == base64.b64encode(public).decode() and len(body["pubKey"]) == 44
    digest = hashlib.sha512(public).digest()
    folded = bytes([1]) + bytes(
        digest[j] ^ digest[8 + j] ^ digest[16 + j] ^ digest[24 + j] ^ digest[32 + j] ^ digest[40 + j]
        ^ digest[48 + j] ^ digest[56 + j] for j in range(8))
    assert body["keyId"] == base64.b64encode(folded).decode() and len(body["keyId"]) == 12

    listed = client.get(_voice(tenant, "/access-keys"), headers=tenant.key_headers).json()
    assert [k["id"] for k in listed] == [body["id"]]
    assert "accessKey" not in listed[0] and listed[0]["pubKey"] == body["pubKey"]
    settings = client.get(_voice(tenant, "/settings"), headers=tenant.key_headers).json()
    assert settings["accessKeysCount"] == 1 and settings["peerLimit"] == 0 and settings["hostingType"] == "hosted"


def test_access_keys_are_renamed_and_deleted_and_unknown_ones_are_404(client: TestClient, tenant: Tenant) -> None:
    key = client.post(_voice(tenant, "/access-keys"), headers=tenant.key_headers, json={"name": "a"}).json()
    renamed = client.put(_voice(tenant, f"/access-keys/{key['id']}"), headers=tenant.key_headers, json={"name": "b"})
    assert renamed.status_code == 200, renamed.text
    assert client.get(_voice(tenant, "/access-keys"), headers=tenant.key_headers).json()[0]["name"] == "b"
    assert client.delete(_voice(tenant, f"/access-keys/{key['id']}"), headers=tenant.key_headers).status_code == 200
    assert client.get(_voice(tenant, "/access-keys"), headers=tenant.key_headers).json() == []
    assert client.get(_voice(tenant, "/settings"), headers=tenant.key_headers).json()["accessKeysCount"] == 0
    gone = client.delete(_voice(tenant, f"/access-keys/{key['id']}"), headers=tenant.key_headers)
    assert gone.status_code == 404 and gone.json()["message"] == "Access key not found"


def test_a_blank_access_key_name_is_a_400_naming_the_field(client: TestClient, tenant: Tenant) -> None:
    response = client.post(_voice(tenant, "/access-keys"), headers=tenant.key_headers, json={"name": ""})
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "message": ["name should not be empty"], "error": "Bad Request"}


def test_the_peer_limit_is_kept_and_a_negative_one_is_refused(client: TestClient, tenant: Tenant) -> None:
    set_ = client.put(_voice(tenant, "/peer-limit"), headers=tenant.key_headers, json={"peerLimit": 25})
    assert set_.status_code == 200 and set_.json()["peerLimit"] == 25
    assert client.get(_voice(tenant, "/settings"), headers=tenant.key_headers).json()["peerLimit"] == 25
    bad = client.put(_voice(tenant, "/peer-limit"), headers=tenant.key_headers, json={"peerLimit": -1})
    assert bad.status_code == 400 and "peerLimit" in bad.json()["message"][0]


def test_analytics_of_an_idle_project_are_zeros_at_five_minute_points(client: TestClient, tenant: Tenant) -> None:
    now = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    start = int(datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()) - 3600
    peers = client.get(_voice(tenant, "/analytics"), headers=tenant.key_headers, params={"start": start})
    assert peers.status_code == 200, peers.text
    points = peers.json()["peak"]
    assert 12 <= len(points) <= 13
    assert all(count == 0 for _, count in points) and all(at % 300_000 == 0 for at, _ in points)
    rooms = client.get(_voice(tenant, "/rooms-analytics"), headers=tenant.key_headers, params={"start": start}).json()
    assert all(count == 0 for _, count in rooms["average"])
    missing = client.get(_voice(tenant, "/analytics"), headers=tenant.key_headers)
    assert missing.status_code == 400 and "start" in missing.json()["message"][0]


def test_voice_of_another_tenants_project_is_403(client: TestClient, tenant: Tenant) -> None:
    other = tenant_credentials(client)["credentials"]["odin"]["api_key"]
    for method, rest in (("get", "/settings"), ("get", "/access-keys"), ("post", "/access-keys")):
        response = client.request(method, _voice(tenant, rest), headers={"X-API-Key": other}, json={"name": "x"})
        assert response.status_code == 403, (rest, response.text)


def _speak(client: TestClient, tenant: Tenant, room: str, user: str) -> Any:
    return client.post("/_twinstack/odin/speak", json={"tenant": tenant.id, "projectId": tenant.project_id,
                                                       "roomId": room, "userId": user, "text": "hello"})


def test_analytics_follow_the_peers_the_rooms_really_held(client: TestClient, tenant: Tenant) -> None:
    now_text = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    now = datetime.fromisoformat(now_text.replace("Z", "+00:00")).timestamp()
    # Start on a bucket boundary so the figures below are exact.
    client.post("/_twinstack/clock/advance", json={"seconds": 300 - now % 300 + 1})
    start = int(now - now % 300 + 300)
    assert _speak(client, tenant, "room-a", "u1").status_code == 200
    assert _speak(client, tenant, "room-a", "u2").status_code == 200
    assert _speak(client, tenant, "room-b", "u3").status_code == 200
    client.post("/_twinstack/clock/advance", json={"seconds": 150})
    client.post("/_twinstack/odin/leave", json={"tenant": tenant.id, "projectId": tenant.project_id,
                                                "roomId": "room-b", "userId": "u3"})
    client.post("/_twinstack/clock/advance", json={"seconds": 300})
    peers = client.get(_voice(tenant, "/analytics"), headers=tenant.key_headers, params={"start": start}).json()
    rooms = client.get(_voice(tenant, "/rooms-analytics"), headers=tenant.key_headers, params={"start": start}).json()
    first, second = peers["peak"][0], peers["peak"][1]
    assert first == [start * 1000, 3] and second == [(start + 300) * 1000, 2]
    assert 2.4 <= peers["average"][0][1] <= 2.6  # 3 peers for half the bucket, then 2
    assert peers["average"][1][1] == 2
    assert rooms["peak"][0][1] == 2 and rooms["peak"][1][1] == 1


def test_the_peer_limit_keeps_peers_out_of_a_full_room(client: TestClient, tenant: Tenant) -> None:
    client.put(_voice(tenant, "/peer-limit"), headers=tenant.key_headers, json={"peerLimit": 1})
    _speak(client, tenant, "tight", "first")
    _speak(client, tenant, "tight", "second")
    now = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    start = int(datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()) - 600
    peers = client.get(_voice(tenant, "/analytics"), headers=tenant.key_headers, params={"start": start}).json()
    assert max(count for _, count in peers["peak"]) == 1
