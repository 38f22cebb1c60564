"""Declaration of the odin twin: seed, hosts, error shape, credentials, overrides."""

from __future__ import annotations

from pathlib import Path

from twinstack.engine.pack import Pack

PACK = Pack(slug="odin", seed=Path(__file__).parent / "seed" / "odin-cortex.openapi.json")
