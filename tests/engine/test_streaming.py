"""Streamed bodies: chunks reach the client as they are made, and a client that leaves stops the stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from twinstack.app import stream


def test_chunks_are_sent_in_order_then_the_body_ends() -> None:
    sent: list[dict[str, Any]] = []

    async def chunks() -> AsyncIterator[bytes]:
        for n in range(3):
            yield f"data: {n}\n\n".encode()

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(10)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(stream(chunks(), receive, send))
    assert [m["body"] for m in sent] == [b"data: 0\n\n", b"data: 1\n\n", b"data: 2\n\n", b""]
    assert [m.get("more_body", False) for m in sent] == [True, True, True, False]


def test_a_client_that_goes_away_closes_the_stream() -> None:
    closed = asyncio.Event()
    sent: list[bytes] = []

    async def endless() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b": heartbeat\n\n"
                await asyncio.sleep(0.01)
        finally:
            closed.set()

    async def receive() -> dict[str, Any]:
        while len(sent) < 3:
            await asyncio.sleep(0.005)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["body"])

    async def scenario() -> None:
        await asyncio.wait_for(stream(endless(), receive, send), 5)
        assert closed.is_set()

    asyncio.run(scenario())
    assert sent[:3] == [b": heartbeat\n\n"] * 3
