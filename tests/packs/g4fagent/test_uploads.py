"""Chunked uploads: the file record at once, chunks in any order, SHA-256 on completion, the bytes back exactly."""

from __future__ import annotations

import hashlib
import os
import re

import httpx
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.g4fagent.conftest import API, Tenant, assert_error, login

MiB = 1024 * 1024


def _upload(client: TestClient, tenant: Tenant, size: int, filename: str = "data set (v2).bin") -> dict[str, str]:
    response = client.post(f"{API}/uploads", headers=tenant.headers,
                           json={"filename": filename, "content_type": "application/octet-stream", "size_bytes": size})
    assert response.status_code == 200, response.text
    created: dict[str, str] = response.json()
    return created


def _put(client: TestClient, tenant: Tenant, url: str, data: bytes, first: int | None = None, total: int | None = None,
         method: str = "PUT") -> httpx.Response:
    headers = {**tenant.headers, "Content-Type": "application/octet-stream"}
    if first is not None:
        headers["Content-Range"] = f"bytes {first}-{first + len(data) - 1}/{total}"
    return client.request(method, url, headers=headers, content=data)


def _file(client: TestClient, tenant: Tenant, file_id: str) -> dict[str, object]:
    response = client.get(f"{API}/files/{file_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    found: dict[str, object] = response.json()["file"]
    return found


def test_three_chunks_out_of_order_make_the_file(client: TestClient, tenant: Tenant) -> None:
    data = os.urandom(10 * MiB)
    created = _upload(client, tenant, len(data))
    assert re.fullmatch(r"upload_[0-9a-f]{16}", created["upload_id"]) and created["method"] == "PUT"
    assert created["url"] == f"{API}/uploads/{created['upload_id']}" and created["headers"] == {}
    file_id = created["file_id"]
    assert _file(client, tenant, file_id) | {"created_at": None} == {
        "id": file_id, "filename": "data_set_v2_.bin", "size_bytes": 0, "content_type": "application/octet-stream",
        "created_at": None, "complete": False, "sha256": None}
    cuts = [(4 * MiB, 8 * MiB), (0, 4 * MiB), (8 * MiB, len(data))]
    for n, (a, b) in enumerate(cuts):
        response = _put(client, tenant, created["url"], data[a:b], a, len(data), method="POST" if n == 1 else "PUT")
        assert response.status_code == 200 and response.json() == {"ok": True}
        if n < 2:
            assert _file(client, tenant, file_id)["complete"] is False
    done = _file(client, tenant, file_id)
    assert done["complete"] is True and done["size_bytes"] == len(data)
    assert done["sha256"] == hashlib.sha256(data).hexdigest()
    download = client.get("/_twinstack/g4fagent/download", params={"id": file_id})
    assert download.status_code == 200 and download.content == data


def test_a_body_without_content_range_is_the_whole_file(client: TestClient, tenant: Tenant) -> None:
    created = _upload(client, tenant, 5, filename="notes.txt")
    assert_error(_put(client, tenant, created["url"], b"abc"), 400, "invalid_request", "size_bytes")
    assert _put(client, tenant, created["url"], b"hello").status_code == 200
    assert _put(client, tenant, created["url"], b"HELLO").status_code == 200
    assert _file(client, tenant, created["file_id"])["sha256"] == hashlib.sha256(b"HELLO").hexdigest()
    assert client.get("/_twinstack/g4fagent/download", params={"id": created["file_id"]}).content == b"HELLO"


def test_bad_chunks_are_refused_and_change_nothing(client: TestClient, tenant: Tenant) -> None:
    created = _upload(client, tenant, 10)
    url = created["url"]
    assert _put(client, tenant, url, b"01234", 0, 10).status_code == 200
    # Bytes already received must come again unchanged.
    assert_error(_put(client, tenant, url, b"3X567", 3, 10), 400, "invalid_request", "Content-Range")
    # Past the declared size, a total that is not the size, a body that is not the range's length.
    assert_error(_put(client, tenant, url, b"abc", 8, 10), 400, "invalid_request", "Content-Range")
    assert_error(_put(client, tenant, url, b"56789", 5, 11), 400, "invalid_request", "Content-Range")
    short = client.put(url, headers={**tenant.headers, "Content-Type": "application/octet-stream",
                                     "Content-Range": "bytes 5-9/10"}, content=b"56")
    assert_error(short, 400, "invalid_request", "Content-Range")
    garbled = client.put(url, headers={**tenant.headers, "Content-Type": "application/octet-stream",
                                       "Content-Range": "5 to 9"}, content=b"56789")
    assert_error(garbled, 400, "invalid_request", "Content-Range")
    assert _file(client, tenant, created["file_id"])["size_bytes"] == 5
    assert client.get("/_twinstack/g4fagent/download", params={"id": created["file_id"]}).status_code == 409
    assert _put(client, tenant, url, b"3456789", 3, 10).status_code == 200
    assert client.get("/_twinstack/g4fagent/download", params={"id": created["file_id"]}).content == b"0123456789"


def test_size_bytes_must_be_a_whole_number_within_the_limit(client: TestClient, tenant: Tenant) -> None:
    for size in ("ten", 1.5, -1, True, 200 * MiB + 1):
        response = client.post(f"{API}/uploads", headers=tenant.headers,
                               json={"filename": "f", "content_type": "text/plain", "size_bytes": size})
        assert_error(response, 400, "invalid_request", "size_bytes")
    missing = client.post(f"{API}/uploads", headers=tenant.headers, json={"filename": "f", "content_type": "text/plain"})
    assert_error(missing, 400, "invalid_request", "size_bytes")
    empty = _upload(client, tenant, 0)
    assert _file(client, tenant, empty["file_id"])["sha256"] == hashlib.sha256(b"").hexdigest()


def test_uploads_and_files_of_another_tenant_are_not_found(client: TestClient, tenant: Tenant) -> None:
    created = _upload(client, tenant, 3)
    made = tenant_credentials(client)["credentials"]["g4fagent"]
    other = Tenant("o", made["email"], made["password"], login(client, made["email"], made["password"])["access_token"], "")
    assert_error(_put(client, other, created["url"], b"abc"), 404, "upload_not_found")
    assert_error(client.get(f"{API}/files/{created['file_id']}", headers=other.headers), 404, "file_not_found")
    assert_error(client.put(f"{API}/uploads/upload_0000000000000000", headers={**tenant.headers, "Content-Type":
                            "application/octet-stream"}, content=b"x"), 404, "upload_not_found")


def test_state_export_and_import_carry_the_bytes(client: TestClient, tenant: Tenant) -> None:
    whole = _upload(client, tenant, 6)
    _put(client, tenant, whole["url"], b"abcdef")
    half = _upload(client, tenant, 6)
    _put(client, tenant, half["url"], b"ABC", 0, 6)
    document = client.get("/_twinstack/state/export").json()
    later = _upload(client, tenant, 1)
    _put(client, tenant, later["url"], b"z")
    _put(client, tenant, whole["url"], b"XXXXXX")
    assert client.post("/_twinstack/state/import", json=document).status_code == 200
    assert client.get("/_twinstack/g4fagent/download", params={"id": whole["file_id"]}).content == b"abcdef"
    assert _file(client, tenant, whole["file_id"])["sha256"] == hashlib.sha256(b"abcdef").hexdigest()
    # The half-sent upload goes on where it was.
    assert _put(client, tenant, half["url"], b"DEF", 3, 6).status_code == 200
    assert client.get("/_twinstack/g4fagent/download", params={"id": half["file_id"]}).content == b"ABCDEF"
    assert client.get("/_twinstack/g4fagent/download", params={"id": later["file_id"]}).status_code == 404
