"""Declaration of the polykomos twin: seed, hosts, error shape, credentials, overrides."""

from __future__ import annotations

from pathlib import Path

from twinstack.engine.pack import Pack

PACK = Pack(slug="polykomos", seed=Path(__file__).parent / "seed" / "polykomos.openapi.json")
