"""What ``--mqtt-url`` asks for: the embedded broker on a port, an external broker, or none.

| value | meaning |
|---|---|
| unset | the embedded broker on ``127.0.0.1:11883`` (the contract's default) |
| ``embedded://HOST:PORT`` | the embedded broker there (``PORT`` 0: a free port, tests) |
| ``mqtt://HOST:PORT`` | an external broker (Mosquitto...) the twin subscribes to |
| ``none`` / ``off`` | no MQTT at all (in-process tests) |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 11883
_OFF = ("", "none", "off", "disabled")


@dataclass(frozen=True, slots=True)
class MqttTarget:
    mode: Literal["embedded", "external", "off"]
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    username: str | None = None
    """For an external broker: the twin's own login there."""
    password: str | None = None

    def url(self, port: int | None = None) -> str:
        return f"mqtt://{self.host}:{self.port if port is None else port}"


def parse_target(raw: str | None) -> MqttTarget:
    """The target a ``--mqtt-url`` value names; ``ValueError`` naming what is wrong with it."""
    if raw is None:
        return MqttTarget("embedded")
    value = raw.strip()
    if value.lower() in _OFF:
        return MqttTarget("off")
    parts = urlsplit(value)
    if parts.scheme not in ("embedded", "mqtt", "tcp"):
        raise ValueError(f"--mqtt-url {raw!r}: expected embedded://HOST:PORT, mqtt://HOST:PORT or none")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"--mqtt-url {raw!r}: bad port") from exc
    host = parts.hostname or DEFAULT_HOST
    if parts.scheme == "embedded":
        return MqttTarget("embedded", host, DEFAULT_PORT if port is None else port)
    return MqttTarget("external", host, 1883 if port is None else port, parts.username, parts.password)
