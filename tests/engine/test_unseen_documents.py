"""The generic twin on a document no pack knows: what the document says about each part of a request
and a response is honoured (``tests/data/accounts.openapi.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import tenant_credentials

DOC = Path(__file__).resolve().parents[1] / "data" / "accounts.openapi.yaml"
BASE = "/accounts/v1"


@pytest.fixture
def accounts(make_client: Any) -> tuple[TestClient, dict[str, str]]:
    client: TestClient = make_client(specs=[f"{DOC}:accounts"], services=[])
    token = tenant_credentials(client)["credentials"]["accounts"]["token"]
    return client, {"Authorization": f"Bearer {token}"}


def _user(client: TestClient, auth: dict[str, str], **fields: Any) -> Any:
    return client.post(f"{BASE}/users", headers=auth, json={"username": "ann", "email": "ann@example.com",
                                                           "password": "s3cret", **fields})


def test_a_read_only_required_id_is_assigned_by_the_server_with_its_declared_type(accounts: Any) -> None:
    client, auth = accounts
    made = _user(client, auth)
    assert made.status_code == 201, made.text
    assert isinstance(made.json()["id"], int)
    again = client.get(f"{BASE}/users/{made.json()['id']}", headers=auth)
    assert again.status_code == 200 and again.json()["username"] == "ann"


def test_a_write_only_password_is_never_sent_back(accounts: Any) -> None:
    client, auth = accounts
    made = _user(client, auth).json()
    assert "password" not in made
    assert "password" not in client.get(f"{BASE}/users/{made['id']}", headers=auth).json()
    assert all("password" not in u for u in client.get(f"{BASE}/users", headers=auth).json())


def test_errors_are_problem_details_where_the_document_declares_them(accounts: Any) -> None:
    client, auth = accounts
    bad = _user(client, auth, email="")
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    body = bad.json()
    assert (body["type"], body["title"], body["status"]) == ("about:blank", "Bad Request", 400)
    assert body["errors"] == [{"detail": '"" is not a "email"', "pointer": "#/email"}]
    assert client.get(f"{BASE}/users").json()["status"] == 401


def test_an_integer_beyond_its_int64_format_is_refused(accounts: Any) -> None:
    client, auth = accounts
    refused = client.get(f"{BASE}/users", headers=auth, params={"offset": str(2**63)})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"detail": f"{2**63} is greater than the maximum of {2**63 - 1}",
                                         "parameter": "offset"}]
    assert client.get(f"{BASE}/users", headers=auth, params={"offset": str(2**63 - 1)}).status_code == 200


def test_an_xml_body_is_read_and_validated_by_its_schema(accounts: Any) -> None:
    client, auth = accounts
    xml = {**auth, "content-type": "application/xml"}
    made = client.post(f"{BASE}/users", headers=xml,
                       content=b"<User><username>bo</username><email>bo@example.com</email></User>")
    assert made.status_code == 201, made.text
    assert (made.json()["username"], made.json()["email"]) == ("bo", "bo@example.com")
    wrong = client.post(f"{BASE}/users", headers=xml, content=b"<User><username>bo</username><email>x</email></User>")
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["pointer"] == "#/email"
    broken = client.post(f"{BASE}/users", headers=xml, content=b"<User><username>")
    assert broken.status_code == 400 and broken.json()["detail"].startswith("body: Invalid XML")


def test_form_fields_are_read_as_the_types_their_properties_declare(accounts: Any) -> None:
    client, auth = accounts
    made = client.post(f"{BASE}/users", headers=auth, data={"username": "cy", "email": "cy@example.com"})
    assert made.status_code == 201, made.text
    assert made.json()["username"] == "cy"


def test_a_multipart_upload_with_a_binary_part_is_accepted(accounts: Any) -> None:
    client, auth = accounts
    made = _user(client, auth).json()
    uploaded = client.post(f"{BASE}/users/{made['id']}/avatar", headers=auth,
                           files={"file": ("a.png", b"\x89PNG\r\n\x1a\n\x00\xff", "image/png")}, data={"caption": "me"})
    assert uploaded.status_code == 200, uploaded.text
    assert "password" not in uploaded.json()


def test_an_undeclared_media_type_is_415_where_declared(accounts: Any) -> None:
    client, auth = accounts
    refused = client.post(f"{BASE}/users", headers={**auth, "content-type": "text/csv"}, content=b"a,b")
    assert refused.status_code == 415
    assert refused.json()["title"] == "Unsupported Media Type"


def test_a_create_answers_the_location_of_the_new_resource(accounts: Any) -> None:
    client, auth = accounts
    made = _user(client, auth)
    location = made.headers["location"]
    assert location.endswith(f"{BASE}/users/{made.json()['id']}")
    assert client.get(location, headers=auth).json()["username"] == "ann"


def test_a_resource_is_read_through_another_path_that_names_it_by_a_field(accounts: Any) -> None:
    client, auth = accounts
    made = _user(client, auth).json()
    profile = client.get(f"{BASE}/profiles/ann", headers=auth)
    assert profile.status_code == 200 and profile.json() == made
    assert client.get(f"{BASE}/profiles/nobody", headers=auth).status_code == 404


def test_a_token_operation_hands_out_a_bearer_token_that_works(accounts: Any, make_client: Any) -> None:
    client, _auth = accounts
    issued = client.post(f"{BASE}/token", data={"username": "ann", "password": "whatever"})
    assert issued.status_code == 200
    body = issued.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert "password" not in body and "username" not in body
    works = client.get(f"{BASE}/users", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert works.status_code == 200
    forged = client.get(f"{BASE}/users", headers={"Authorization": f"Bearer {body['access_token'][:-4]}AAAA"})
    assert forged.status_code == 401
