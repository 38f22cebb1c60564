"""How one service delivers its webhooks: headers, signature, retry schedule, timeout, targets, ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from twinstack import __version__
from twinstack.drivers.webhooks.policy import TargetPolicy
from twinstack.drivers.webhooks.records import Delivery
from twinstack.drivers.webhooks.signing import Signer, timestamped_signer

DEFAULT_SCHEDULE: tuple[float, ...] = (0.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0)
"""Six attempts: at once, then 1 min, 5 min, 30 min, 2 h and 6 h after each failure."""

ChangeHook = Callable[[str, Delivery], None]
"""``(tenant, delivery)``, called after a delivery's new state is committed."""


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """One service's delivery rules; every field has a working default."""

    header_prefix: str = "Twinstack"
    """Names the headers: ``<prefix>-Signature``, ``<prefix>-Event``, ``<prefix>-Delivery-Id``."""
    schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    """Twin seconds before each attempt: ``[0]`` after the event, ``[n]`` after attempt n failed.
    Its length is the number of attempts."""
    scale_with_speed: bool = False
    """Multiply the schedule by the clock's ``--speed`` factor. Off by default, so that retries
    wait for ``/_twinstack/clock/advance`` even under ``--speed instant`` (where a factor of 0
    would spend every attempt at once)."""
    timeout: float = 10.0
    """Seconds an attempt may take in all (connect, send, reply); slower counts as a failure."""
    policy: TargetPolicy = field(default_factory=TargetPolicy)
    ids: Literal["sequence", "uuid"] = "sequence"
    """``sequence``: decimal ids from one counter per service (``"1"``, ``"2"``...), unique across
    tenants; ``uuid``: random UUIDs."""
    secret_prefix: str = "whsec_"
    event_id_prefix: str = "evt_"
    signer: Signer | None = None
    """Replaces the ``t=…,v1=…`` signature header with the service's own scheme."""
    user_agent: str = f"twinstack-webhooks/{__version__}"
    response_limit: int = 4096
    """Characters of each reply body kept in the log."""
    on_change: ChangeHook | None = None
    """Told of every committed change of a delivery (an attempt, a revoke); errors are logged."""

    def __post_init__(self) -> None:
        if not self.schedule or any(delay < 0 for delay in self.schedule):
            raise ValueError("a webhook schedule needs at least one attempt and no negative delay")
        if self.timeout <= 0:
            raise ValueError("the webhook timeout must be positive")

    def header(self, name: str) -> str:
        return f"{self.header_prefix}-{name}"

    def sign(self, secret: str, body: bytes, timestamp: int) -> dict[str, str]:
        signer = self.signer or timestamped_signer(self.header("Signature"))
        return signer(secret, body, timestamp)
