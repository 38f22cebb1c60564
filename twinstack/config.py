"""Settings of one ``twinstack serve``: flags, with environment variables as defaults."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twinstack.drivers.databases.servers import DatabaseServers

_YES = ("1", "true", "yes")


@dataclass(slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 4010
    data_dir: Path = field(default_factory=lambda: Path(".twinstack"))
    """Embedded state (SQLite) and stored blobs."""
    database_url: str | None = None
    """``postgresql://...`` puts all state in PostgreSQL, shared by several processes."""
    services: list[str] | None = None
    """Slugs of the built-in packs to mount; ``None`` mounts all of them."""
    specs: list[str] = field(default_factory=list)
    """``PATH[:SLUG]`` of other OpenAPI documents to mount as generic twins."""
    speed: str = "realistic"
    workers: int = 1
    postgres_admin_url: str | None = None
    mysql_admin_url: str | None = None
    embedded_databases: bool = True
    """Without an admin URL, run a private PostgreSQL (and MariaDB/MySQL, when installed) under ``data_dir``."""
    dns_port: int = 10053
    mqtt_url: str | None = None
    control_token: str | None = None
    """Bearer token ``/_twinstack/`` requires when ``host`` is not a loopback address."""
    strict: bool = False
    """Validate every response against its document and raise on a mismatch (tests)."""
    database_servers: DatabaseServers | None = field(default=None, repr=False, compare=False)
    """Not a setting: the private database servers of this process, put here by the runtime for packs' drivers."""

    @property
    def control_open(self) -> bool:
        """Whether the control plane answers without a token: only when listening on loopback alone."""
        if self.host.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host.strip("[]")).is_loopback
        except ValueError:
            return False

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            host=env.get("TWINSTACK_HOST", "127.0.0.1"),
            port=int(env.get("TWINSTACK_PORT", "4010")),
            data_dir=Path(env.get("TWINSTACK_DATA_DIR", ".twinstack")),
            database_url=env.get("TWINSTACK_DATABASE_URL") or None,
            # Set but empty means "none of the built-ins" (only --spec documents).
            services=[s for s in env["TWINSTACK_SERVICES"].split(",") if s] if "TWINSTACK_SERVICES" in env else None,
            specs=[s for s in env.get("TWINSTACK_SPECS", "").splitlines() if s.strip()],
            speed=env.get("TWINSTACK_SPEED", "realistic"),
            postgres_admin_url=env.get("TWINSTACK_POSTGRES_ADMIN_URL") or None,
            mysql_admin_url=env.get("TWINSTACK_MYSQL_ADMIN_URL") or None,
            embedded_databases=env.get("TWINSTACK_NO_EMBEDDED_DATABASES", "").lower() not in _YES,
            dns_port=int(env.get("TWINSTACK_DNS_PORT", "10053")),
            mqtt_url=env.get("TWINSTACK_MQTT_URL") or None,
            strict=env.get("TWINSTACK_STRICT", "") in _YES,
            control_token=env.get("TWINSTACK_CONTROL_TOKEN") or None,
        )

    def to_env(self) -> dict[str, str]:
        """The same settings as environment variables (how ``--workers`` children get them)."""
        env = {
            "TWINSTACK_HOST": self.host, "TWINSTACK_PORT": str(self.port), "TWINSTACK_DATA_DIR": str(self.data_dir),
            "TWINSTACK_SPEED": self.speed, "TWINSTACK_DNS_PORT": str(self.dns_port),
            "TWINSTACK_STRICT": "1" if self.strict else "",
            "TWINSTACK_NO_EMBEDDED_DATABASES": "" if self.embedded_databases else "1",
        }
        if self.database_url:
            env["TWINSTACK_DATABASE_URL"] = self.database_url
        if self.services is not None:
            env["TWINSTACK_SERVICES"] = ",".join(self.services)
        if self.specs:
            # One per line: a spec is PATH[:SLUG], so the path separator cannot be used.
            env["TWINSTACK_SPECS"] = "\n".join(self.specs)
        for key, value in (
            ("TWINSTACK_POSTGRES_ADMIN_URL", self.postgres_admin_url), ("TWINSTACK_MYSQL_ADMIN_URL", self.mysql_admin_url),
            ("TWINSTACK_MQTT_URL", self.mqtt_url), ("TWINSTACK_CONTROL_TOKEN", self.control_token),
        ):
            if value:
                env[key] = value
        return env
