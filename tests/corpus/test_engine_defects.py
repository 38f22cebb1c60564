"""Engine defects the corpus found, pinned as strict xfails: each passes (and so fails the run) once fixed,
which is the signal to drop the mark and the matching entry of ``KNOWN_SERVER_ERRORS`` or ``KNOWN_DEFECTS``."""

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
@pytest.mark.xfail(strict=True, reason="engine routing: the trie's parameter nodes under /v2/Flows/{Sid} and "
                                       "/v2/Flows/{FlowSid}/Executions/{Sid} share the name `Sid`; backtracking "
                                       "deletes it twice (KeyError in routing._walk) and the request answers 500")
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
@pytest.mark.xfail(strict=True, reason="engine body: a multipart/form-data request without a boundary reaches "
                                       "Starlette's form parser unchecked (MultiPartException) and answers 500")
def test_a_multipart_body_without_a_boundary_is_a_400(corpus_server: LiveServer,
                                                      credentials: dict[str, dict[str, Any]]) -> None:
    token = credentials["resend"]["token"]
    response = httpx.post(DOCUMENTS["resend"].base_url(corpus_server.url) + "/contacts/imports", content=b"x",
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "multipart/form-data"},
                          timeout=30)
    assert response.status_code in (400, 415), (response.status_code, response.text[:200])
