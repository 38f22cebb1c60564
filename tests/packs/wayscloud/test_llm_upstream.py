"""Pass-through to a real OpenAI-compatible server: another twin plays the upstream model server here,
and its request journal shows what reached it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from tests.conftest import LiveServer, free_port, tenant_credentials


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    server = LiveServer(tmp_path / "upstream", ["--services", "wayscloud", "--speed", "instant"])
    server.start()
    try:
        with server.http() as http:
            key = tenant_credentials(http)["credentials"]["wayscloud"]["api_key"]
        yield server, key
    finally:
        server.stop()


def _twin_in_front(tmp_path: Path, url: str, key: str, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    monkeypatch.setitem(os.environ, "TWINSTACK_LLM_UPSTREAM_URL", url)
    monkeypatch.setitem(os.environ, "TWINSTACK_LLM_UPSTREAM_KEY", key)
    server = LiveServer(tmp_path / "front", ["--services", "wayscloud", "--speed", "instant"])
    server.start()
    return server


def test_chat_and_streams_are_answered_by_the_configured_upstream(
    tmp_path: Path, upstream: tuple[LiveServer, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    model_server, key = upstream
    front = _twin_in_front(tmp_path, f"{model_server.url}/wayscloud/v1", key, monkeypatch)
    try:
        with front.http() as http:
            mine = tenant_credentials(http)["credentials"]["wayscloud"]["api_key"]
        llm = OpenAI(base_url=f"{front.url}/wayscloud/v1", api_key=mine, max_retries=0)
        done = llm.chat.completions.create(model="mixtral-8x7b", messages=[{"role": "user", "content": "Say: relayed"}])
        assert done.choices[0].message.content == "relayed"
        streamed = "".join(c.choices[0].delta.content or "" for c in llm.chat.completions.create(
            model="mixtral-8x7b", stream=True, messages=[{"role": "user", "content": "Say: streamed too"}]) if c.choices)
        assert streamed == "streamed too"
        seen = httpx.get(f"{model_server.url}/_twinstack/requests", timeout=10).json()["requests"]
        assert sum(1 for r in seen if r["path"] == "/wayscloud/v1/chat/completions" and r["status"] == 200) == 2
    finally:
        front.stop()


def test_an_unreachable_upstream_is_a_clear_400(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    front = _twin_in_front(tmp_path, f"http://127.0.0.1:{free_port()}/v1", "", monkeypatch)
    try:
        with front.http() as http:
            mine = tenant_credentials(http)["credentials"]["wayscloud"]["api_key"]
            response = http.post("/wayscloud/v1/chat/completions", headers={"Authorization": f"Bearer {mine}"},
                                 json={"model": "mixtral-8x7b", "messages": [{"role": "user", "content": "hi"}]})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "upstream_unavailable"
        assert "TWINSTACK_LLM_UPSTREAM_URL" in response.json()["error"]["message"]
    finally:
        front.stop()
