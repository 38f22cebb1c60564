"""The embedded MQTT broker: amqtt on loopback, every client checked by the twin.

amqtt (MQTT 3.1.1, asyncio) does the protocol: sessions, QoS 0-2 handshakes, retained messages,
keep-alive, subscriptions and fan-out. Its plugins are how the twin takes part: an auth plugin asks
``BrokerHooks.authenticate`` (a refused login gets CONNACK "not authorised" and the socket is closed),
a topic plugin asks ``may_publish``/``may_subscribe`` (a refused PUBLISH is dropped, a refused
SUBSCRIBE gets the failure return code), and an event plugin reports connects, disconnects and every
message the broker accepted. Hooks run on the broker's event loop; they may be plain functions or
coroutines.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import socket
from dataclasses import dataclass
from typing import Any, Protocol

from amqtt.broker import Broker  # type: ignore[import-untyped]
from amqtt.contexts import Action  # type: ignore[import-untyped]
from amqtt.plugins.base import BaseAuthPlugin, BasePlugin, BaseTopicPlugin  # type: ignore[import-untyped]

log = logging.getLogger("twinstack.mqtt")
# amqtt logs every packet and session at INFO; its warnings (a refused client...) are the useful part.
logging.getLogger("amqtt").setLevel(logging.WARNING)
logging.getLogger("transitions").setLevel(logging.WARNING)


class BrokerHooks(Protocol):
    """What the twin decides and learns about the broker's clients (``client_id`` names a session)."""

    def authenticate(self, client_id: str, username: str | None, password: str | None) -> Any:
        """True (or an awaitable of it) to let the client in."""

    def may_publish(self, client_id: str, username: str | None, topic: str) -> Any: ...

    def may_subscribe(self, client_id: str, username: str | None, topic: str) -> Any: ...

    def connected(self, client_id: str, username: str | None) -> Any: ...

    def disconnected(self, client_id: str) -> Any: ...

    def message(self, client_id: str, topic: str, payload: bytes) -> Any: ...


async def _call(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


async def _safely(what: str, result: Any) -> Any:
    try:
        return await _call(result)
    except Exception:  # one bad message or hook failure must not take the broker down
        log.exception("mqtt %s hook failed", what)
        return None


@dataclass
class _HookConfig:
    hooks: Any = None


class _Auth(BaseAuthPlugin):  # type: ignore[misc]
    Config = _HookConfig

    async def authenticate(self, *, session: Any) -> bool:
        allowed = await _safely("authenticate", self.config.hooks.authenticate(
            str(session.client_id or ""), session.username, session.password))
        return bool(allowed)


class _Topics(BaseTopicPlugin):  # type: ignore[misc]
    Config = _HookConfig

    async def topic_filtering(self, *, session: Any = None, topic: str | None = None, action: Any = None) -> bool:
        if session is None or topic is None:
            return False
        hooks = self.config.hooks
        if action == Action.PUBLISH:
            return bool(await _safely("may_publish", hooks.may_publish(str(session.client_id), session.username, topic)))
        if action == Action.SUBSCRIBE:
            return bool(await _safely("may_subscribe",
                                      hooks.may_subscribe(str(session.client_id), session.username, topic)))
        return True


class _Events(BasePlugin):  # type: ignore[misc]
    Config = _HookConfig

    async def on_broker_client_connected(self, *, client_id: str, client_session: Any) -> None:
        await _safely("connected", self.config.hooks.connected(str(client_id), client_session.username))

    async def on_broker_client_disconnected(self, *, client_id: str, client_session: Any) -> None:
        await _safely("disconnected", self.config.hooks.disconnected(str(client_id)))

    async def on_broker_message_broadcast(self, *, client_id: str, message: Any) -> None:
        await _safely("message", self.config.hooks.message(str(client_id), str(message.topic), bytes(message.data or b"")))


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class EmbeddedBroker:
    """One amqtt broker on ``host:port`` (port 0: a free one, known after ``start``)."""

    def __init__(self, hooks: BrokerHooks, host: str = "127.0.0.1", port: int = 11883) -> None:
        self.hooks = hooks
        self.host = host
        self.port = port
        self._broker: Any = None

    async def start(self) -> str:
        """Listen; the broker's ``mqtt://host:port``. ``OSError`` when the port is taken."""
        if self.port == 0:
            self.port = _free_port(self.host)
        plugins = {f"{__name__}.{cls.__name__}": {"hooks": self.hooks} for cls in (_Auth, _Topics, _Events)}
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}", "max_connections": 1000}},
            "plugins": plugins,
        }
        self._broker = Broker(config, loop=asyncio.get_running_loop())
        try:
            await self._broker.start()
        except Exception as exc:
            self._broker = None
            raise OSError(f"MQTT broker could not listen on {self.host}:{self.port}: {exc}") from exc
        return f"mqtt://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._broker is not None:
            broker, self._broker = self._broker, None
            try:
                await broker.shutdown()
            except Exception:  # a broker half-closed already (a failed start) has nothing more to close
                log.exception("closing the MQTT broker failed")
