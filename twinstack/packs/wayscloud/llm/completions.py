"""OpenAI ``chat.completion`` objects and ``chat.completion.chunk`` streams from the responder's answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson

from twinstack.packs.wayscloud.llm import tokens
from twinstack.packs.wayscloud.llm.catalogue import Model
from twinstack.packs.wayscloud.llm.responder import Answer

_PIECES_PER_CHUNK = 2
"""Tokens per streamed delta: small enough that even a short answer comes in several chunks."""


@dataclass(slots=True)
class Completion:
    id: str
    created: int
    model: Model
    answer: Answer
    prompt_tokens: int
    max_tokens: int | None
    _cut: bool = False

    def __post_init__(self) -> None:
        if self.answer.content is not None and self.max_tokens is not None:
            pieces = tokens.split(self.answer.content)
            if len(pieces) > self.max_tokens:
                self.answer.content = "".join(pieces[: self.max_tokens])
                self._cut = True

    @property
    def finish_reason(self) -> str:
        if self.answer.tool_calls:
            return "tool_calls"
        return "length" if self._cut else "stop"

    @property
    def completion_tokens(self) -> int:
        if self.answer.tool_calls:
            return sum(tokens.count(c.name) + tokens.count(c.arguments) for c in self.answer.tool_calls)
        return tokens.count(self.answer.content or "")

    def usage(self) -> dict[str, int]:
        done = self.completion_tokens
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": done, "total_tokens": self.prompt_tokens + done}

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.answer.content}
        if self.answer.tool_calls:
            message["tool_calls"] = [c.openai() for c in self.answer.tool_calls]
        return message

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "object": "chat.completion", "created": self.created, "model": self.model.id,
            "choices": [{"index": 0, "message": self.message(), "finish_reason": self.finish_reason}],
            "usage": self.usage(),
        }
        if self.answer.reasoning is not None:
            out["model_output_metadata"] = {"reasoning": self.answer.reasoning}
        return out

    async def chunks(self, include_usage: bool = False) -> AsyncIterator[bytes]:
        """The SSE stream: a role delta, content deltas, the finish reason, usage if asked, ``[DONE]``."""
        yield self._chunk({"role": "assistant", "content": ""})
        if self.answer.tool_calls:
            calls = [{"index": i, **c.openai()} for i, c in enumerate(self.answer.tool_calls)]
            yield self._chunk({"tool_calls": calls})
        else:
            pieces = tokens.split(self.answer.content or "")
            for start in range(0, len(pieces), _PIECES_PER_CHUNK):
                await asyncio.sleep(0)
                yield self._chunk({"content": "".join(pieces[start:start + _PIECES_PER_CHUNK])})
        yield self._chunk({}, self.finish_reason)
        if include_usage:
            yield _event({"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                          "model": self.model.id, "choices": [], "usage": self.usage()})
        yield b"data: [DONE]\n\n"

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish}
        return _event({"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                       "model": self.model.id, "choices": [choice]})


def _event(data: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(data) + b"\n\n"
