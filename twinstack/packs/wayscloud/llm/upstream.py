"""Optional pass-through of chat completions and embeddings to a real OpenAI-compatible server.

With ``TWINSTACK_LLM_UPSTREAM_URL`` set (a base URL such as ``http://127.0.0.1:8000/v1``, e.g. a local
vLLM, Ollama or llama.cpp server; ``TWINSTACK_LLM_UPSTREAM_KEY`` its key, if it wants one), the twin
still authenticates, validates and checks the model as WAYSCloud does, then lets that server answer:
its JSON is passed back as it is, its stream chunk by chunk. Without it the built-in responder answers.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson

from twinstack.errors import TwinError

TIMEOUT = 120.0
"""Seconds an upstream answer may take (a local model on a CPU is slow)."""


@dataclass(frozen=True, slots=True)
class Upstream:
    base_url: str
    key: str | None

    @classmethod
    def from_env(cls) -> Upstream | None:
        url = os.environ.get("TWINSTACK_LLM_UPSTREAM_URL", "").strip().rstrip("/")
        return cls(url, os.environ.get("TWINSTACK_LLM_UPSTREAM_KEY") or None) if url else None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        import httpx  # on first use: only a configured upstream needs it, and it costs the start about 0.1 s

        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                response = await client.post(self.base_url + path, json=body, headers=self._headers())
        except httpx.HTTPError as exc:
            raise _unavailable(self.base_url, exc) from None
        if response.status_code >= 400:
            raise TwinError(f"The upstream model server answered {response.status_code}: {response.text[:300]}",
                            code="upstream_error", status=400)
        return response.json()

    async def stream(self, path: str, body: dict[str, Any]) -> AsyncIterator[bytes]:
        """The upstream's SSE bytes as they come; an upstream failure mid-way ends the stream with an error event."""
        import httpx

        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                async with client.stream("POST", self.base_url + path, json=body, headers=self._headers()) as response:
                    async for chunk in response.aiter_raw():
                        yield chunk
        except httpx.HTTPError as exc:
            failure = {"error": {"message": str(_unavailable(self.base_url, exc)), "type": "api_error",
                                 "code": "upstream_unavailable"}}
            yield b"data: " + orjson.dumps(failure) + b"\n\n"


def _unavailable(url: str, exc: Exception) -> TwinError:
    return TwinError(f"The upstream model server at {url} is not reachable ({type(exc).__name__}); check "
                     "TWINSTACK_LLM_UPSTREAM_URL", code="upstream_unavailable", status=400)
