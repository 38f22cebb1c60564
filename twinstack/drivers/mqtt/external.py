"""An external broker (``--mqtt-url mqtt://host:port``, e.g. the machine's Mosquitto) the twin listens to.

The twin subscribes to the device topics (``devices/#`` and any others the pack names) with amqtt's
client and hands every message to ``message(topic, payload)``. Logins, topic permissions and sessions
are that broker's business: the twin sees messages, not connections, so a device's presence is
inferred from its messages there (the pack says how).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from collections.abc import Callable
from typing import Any

from amqtt.client import MQTTClient  # type: ignore[import-untyped]

from twinstack.drivers.mqtt.address import MqttTarget

log = logging.getLogger("twinstack.mqtt")

_RETRY_SECONDS = 2.0


class ExternalFeed:
    def __init__(self, target: MqttTarget, topics: list[str], message: Callable[[str, bytes], Any]) -> None:
        self.target = target
        self.topics = topics
        self.message = message
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> str:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self.target.url()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _run(self) -> None:
        auth = ""
        if self.target.username:
            auth = f"{self.target.username}:{self.target.password or ''}@"
        url = f"mqtt://{auth}{self.target.host}:{self.target.port}"
        while True:
            client = MQTTClient(client_id=f"twinstack-{uuid.uuid4().hex[:12]}", config={"auto_reconnect": False})
            try:
                await client.connect(url)
                await client.subscribe([(topic, 1) for topic in self.topics])
                while True:
                    received = await client.deliver_message()
                    if received is None:
                        break
                    result = self.message(str(received.topic), bytes(received.data or b""))
                    if inspect.isawaitable(result):
                        await result
            except asyncio.CancelledError:
                await _quietly(client.disconnect())
                raise
            except Exception as exc:  # the broker away or restarting: try again shortly
                log.warning("external MQTT broker %s: %s", self.target.url(), exc)
            await _quietly(client.disconnect())
            await asyncio.sleep(_RETRY_SECONDS)


async def _quietly(result: Any) -> None:
    try:
        await result
    except Exception:
        pass
