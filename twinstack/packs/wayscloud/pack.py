"""Declaration of the wayscloud twin: seed, hosts, error shape, credentials, overrides."""

from __future__ import annotations

from pathlib import Path

from twinstack.engine.pack import Pack

PACK = Pack(slug="wayscloud", seed=Path(__file__).parent / "seed" / "wayscloud.openapi.json")
