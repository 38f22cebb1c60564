"""The chatbot: the customer's seeded bot, answers retrieved from its knowledge with citations, sessions
that continue, and the ``meta`` / ``token`` / ``done`` stream."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key


def test_the_customer_has_one_active_bot_usable_by_slug_or_id(client: TestClient, tenant: Tenant) -> None:
    bots = client.get(f"{API}/chatbot/api/bots", headers=tenant.service).json()["bots"]
    assert [(b["slug"], b["status"]) for b in bots] == [("support-bot", "active")]
    by_id = client.post(f"{API}/chatbot/api/chat", headers=tenant.service,
                        json={"bot_id": bots[0]["id"], "message": "What are your prices?"})
    assert by_id.status_code == 200
    assert "199 NOK" in by_id.json()["response"]


def test_an_answer_cites_the_document_it_comes_from_and_a_session_continues(client: TestClient, tenant: Tenant) -> None:
    first = client.post(f"{API}/chatbot/api/chat", headers=tenant.service,
                        json={"bot_id": "support-bot", "message": "How do I get a refund?"}).json()
    assert [c["title"] for c in first["citations"]] == ["Refunds and cancellation"]
    assert "refunded within 14 days" in first["response"]
    assert first["tokens_input"] > 0 and first["tokens_output"] > 0 and first["message_id"] != first["session_id"]
    second = client.post(f"{API}/chatbot/api/chat", headers=tenant.service, json={
        "bot_id": "support-bot", "message": "How can I contact support?", "session_id": first["session_id"]}).json()
    assert second["session_id"] == first["session_id"]
    assert "support@wayscloud.services" in second["response"]


def test_a_question_outside_the_knowledge_gets_no_citations(client: TestClient, tenant: Tenant) -> None:
    answer = client.post(f"{API}/chatbot/api/chat", headers=tenant.service,
                         json={"bot_id": "support-bot", "message": "What is the weather like?"}).json()
    assert answer["citations"] == []
    assert "could not find" in answer["response"]


def test_unknown_sessions_and_other_customers_bots_are_404(client: TestClient, tenant: Tenant) -> None:
    other = tenant_credentials(client)["credentials"]["wayscloud"]["api_key"]
    theirs = client.get(f"{API}/chatbot/api/bots", headers=api_key(other)).json()["bots"][0]["id"]
    foreign = client.post(f"{API}/chatbot/api/chat", headers=tenant.service, json={"bot_id": theirs, "message": "hi"})
    assert foreign.status_code == 404
    assert foreign.json() == {"detail": "Chatbot not found or not accessible"}
    lost = client.post(f"{API}/chatbot/api/chat", headers=tenant.service,
                       json={"bot_id": "support-bot", "message": "hi", "session_id": "0" * 8})
    assert lost.status_code == 404


def test_the_stream_sends_meta_then_tokens_then_done(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/chatbot/api/chat/stream", headers=tenant.service,
                           json={"bot_id": "support-bot", "message": "Where is my data stored?"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(line[len("data: "):]) for line in response.text.splitlines() if line.startswith("data: ")]
    assert events[0]["type"] == "meta" and events[0]["data"]["citations"][0]["title"] == "Data location and security"
    assert events[-1] == {"type": "done"}
    text = "".join(e["content"] for e in events if e["type"] == "token")
    assert "Oslo, Norway" in text and len(events) > 4


def test_a_bearer_key_works_without_the_declared_x_api_key_header(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"{API}/chatbot/api/bots", headers={"Authorization": f"Bearer {tenant.api_key}"})
    assert response.status_code == 200
    assert response.json()["bots"][0]["slug"] == "support-bot"
