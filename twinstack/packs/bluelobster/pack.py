"""Declaration of the bluelobster twin: seed, hosts, error shape, credentials, overrides."""

from __future__ import annotations

from pathlib import Path

from twinstack.engine.pack import Pack

PACK = Pack(slug="bluelobster", seed=Path(__file__).parent / "seed" / "bluelobster.openapi.json")
