"""Engine defects the corpus found, each pinned by the request that showed it: two parameters of one name at
two depths of the route tree, a multipart body without a boundary, errors declared only as ``default`` or as
text, a ``links.self`` that must be the resource's own URL, a create the document gives no "exists" status."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.corpus.documents import DOCUMENTS


@pytest.fixture(scope="module")
def credentials(corpus_server: LiveServer) -> dict[str, dict[str, Any]]:
    response = httpx.post(corpus_server.url + "/_twinstack/tenants", json={"name": "defects"}, timeout=30)
    response.raise_for_status()
    return dict(response.json()["credentials"])


@pytest.mark.conformance
def test_an_unknown_step_of_a_twilio_execution_is_404(corpus_server: LiveServer,
                                                      credentials: dict[str, dict[str, Any]]) -> None:
    creds = credentials["twilio-studio"]
    base = DOCUMENTS["twilio-studio"].base_url(corpus_server.url)
    path = ("/v2/Flows/FW00000000000000000000000000000000/Executions/FN00000000000000000000000000000000"
            "/Steps/FT00000000000000000000000000000000")
    for url in (base + path, base + path + "/Context"):
        response = httpx.get(url, auth=(creds["username"], creds["password"]), timeout=30)
        assert response.status_code == 404, (url, response.status_code, response.text[:200])


@pytest.mark.conformance
def test_a_multipart_body_without_a_boundary_is_a_400(corpus_server: LiveServer,
                                                      credentials: dict[str, dict[str, Any]]) -> None:
    token = credentials["resend"]["token"]
    response = httpx.post(DOCUMENTS["resend"].base_url(corpus_server.url) + "/contacts/imports", content=b"x",
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "multipart/form-data"},
                          timeout=30)
    assert response.status_code in (400, 415), (response.status_code, response.text[:200])


def _bearer(credentials: dict[str, dict[str, Any]], slug: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials[slug]['token']}"}


@pytest.mark.conformance
def test_bad_input_is_answered_in_the_default_error_shape(corpus_server: LiveServer) -> None:
    response = httpx.post(DOCUMENTS["petstore-expanded"].base_url(corpus_server.url) + "/pets", json={}, timeout=30)
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body.get("code"), int) and isinstance(body.get("message"), str), body


@pytest.mark.conformance
def test_an_error_declared_as_text_is_sent_as_text(corpus_server: LiveServer,
                                                   credentials: dict[str, dict[str, Any]]) -> None:
    response = httpx.get(DOCUMENTS["tictactoe"].base_url(corpus_server.url) + "/board/1/4",
                         headers=_bearer(credentials, "tictactoe"), timeout=30)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]


@pytest.mark.conformance
def test_a_created_booking_links_to_itself(corpus_server: LiveServer,
                                           credentials: dict[str, dict[str, Any]]) -> None:
    base = DOCUMENTS["train-travel"].base_url(corpus_server.url)
    made = httpx.post(base + "/bookings", headers=_bearer(credentials, "train-travel"), timeout=30,
                      json={"trip_id": "4f4e4e1c-c824-4d63-b37a-d8d698862f1d", "passenger_name": "Ann Lee"})
    assert made.status_code == 201, made.text
    assert made.json()["links"]["self"].endswith(f"/bookings/{made.json()['id']}"), made.json()["links"]


@pytest.mark.conformance
def test_suppressing_an_address_twice_answers_a_declared_status(corpus_server: LiveServer,
                                                                credentials: dict[str, dict[str, Any]]) -> None:
    url = DOCUMENTS["resend"].base_url(corpus_server.url) + "/suppressions"
    headers = _bearer(credentials, "resend")
    first = httpx.post(url, headers=headers, json={"email": "twice@example.com"}, timeout=30)
    again = httpx.post(url, headers=headers, json={"email": "twice@example.com"}, timeout=30)
    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
