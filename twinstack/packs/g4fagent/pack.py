"""Declaration of the g4fagent twin: seed, hosts, error shape, credentials, overrides."""

from __future__ import annotations

from pathlib import Path

from twinstack.engine.pack import Pack

PACK = Pack(slug="g4fagent", seed=Path(__file__).parent / "seed" / "g4fagent.openapi.md")
