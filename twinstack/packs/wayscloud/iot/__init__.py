"""WAYSCloud IoT: devices that really connect over MQTT, their telemetry, rules, alarms and notifications.

``model`` names the collections and the scope (twin + tenant) every part works in; ``devices`` keeps
registration, MQTT logins and connection state; ``telemetry`` stores what devices publish; ``rules``
evaluates the alarm rules on each message and on the twin clock; ``alarms`` keeps alarms and their
timeline; ``notify`` routes alarm events through policies to channels; ``link`` joins the MQTT broker
(``twinstack.drivers.mqtt``) to all of it. The HTTP operations are in ``handlers/iot_*.py``.
"""
