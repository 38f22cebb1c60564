"""MQTT for the twins: an embedded broker that checks each client against the twin's state, or an external one.

``parse_target`` reads ``--mqtt-url``; ``EmbeddedBroker`` is an MQTT 3.1.1 broker on asyncio that
asks a ``BrokerHooks`` who may connect and publish and tells it what happened; ``ExternalFeed``
subscribes to another broker and hands its messages to a callback; ``BrokerLock`` keeps one broker among
``--workers`` processes. Nothing here knows HTTP or the engine (README.md beside this file).
"""

from twinstack.drivers.mqtt.address import DEFAULT_PORT, MqttTarget, parse_target
from twinstack.drivers.mqtt.broker import BrokerHooks, EmbeddedBroker
from twinstack.drivers.mqtt.external import ExternalFeed
from twinstack.drivers.mqtt.single import BrokerLock

__all__ = ["DEFAULT_PORT", "BrokerHooks", "BrokerLock", "EmbeddedBroker", "ExternalFeed", "MqttTarget",
           "parse_target"]
