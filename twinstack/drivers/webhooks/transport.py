"""One delivery attempt over HTTP: a POST, no redirects, one time limit, a bounded look at the reply."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx


@dataclass(slots=True)
class Outcome:
    """What one attempt produced."""

    status_code: int | None
    error: str | None
    duration_ms: float
    response_body: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    sent: bool = True
    """False when no request was made (a target the policy refused)."""

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    @classmethod
    def refused(cls, reason: str) -> Outcome:
        return cls(None, reason, 0.0, sent=False)


async def post(url: str, body: bytes, headers: dict[str, str], timeout: float, response_limit: int) -> Outcome:
    """POST ``body`` to ``url``; success is a 2xx within ``timeout`` seconds overall."""
    # Imported on first use: httpx (and the CLI it loads) costs the start about 0.1 s.
    import httpx

    started = time.monotonic()
    try:
        # One limit for the whole exchange: httpx's own timeouts apply per phase
        # and per read, so a receiver trickling bytes could outlast them.
        async with asyncio.timeout(timeout):
            # trust_env=False: a proxy from the environment must not see (or
            # swallow) deliveries meant for a receiver on this machine.
            async with httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=timeout) as client:
                async with client.stream("POST", url, content=body, headers=headers) as response:
                    text = await _read_start(response, response_limit)
    except (TimeoutError, httpx.TimeoutException):
        return Outcome(None, f"timed out after {timeout:g} s", _since(started))
    except httpx.ConnectError as exc:
        return Outcome(None, f"connection failed: {exc or type(exc).__name__}", _since(started))
    except httpx.HTTPError as exc:
        return Outcome(None, f"request failed: {type(exc).__name__}: {exc}", _since(started))
    code = response.status_code
    error = None
    if not 200 <= code < 300:
        error = f"HTTP {code}" + (" (redirects are not followed)" if 300 <= code < 400 else "")
    return Outcome(code, error, _since(started), text, dict(response.headers))


async def _read_start(response: httpx.Response, limit: int) -> str:
    data = b""
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) >= limit:
            break
    return data[:limit].decode(errors="replace")


def _since(started: float) -> float:
    return round((time.monotonic() - started) * 1000.0, 3)
