"""Declaration of the bluelobster twin: seed, hosts, error shape, credentials, overrides."""

from __future__ import annotations

from pathlib import Path

from twinstack.engine.pack import Pack
from twinstack.packs.bluelobster.auth import tenant_credentials
from twinstack.packs.bluelobster.controls import CONTROLS
from twinstack.packs.bluelobster.errors import render_error
from twinstack.packs.bluelobster.handlers import HANDLERS
from twinstack.packs.bluelobster.permissions import authorize

SEED = Path(__file__).parent / "seed" / "bluelobster.openapi.json"

PACK = Pack(
    slug="bluelobster",
    seed=SEED,
    # The seed has no `servers`; the vendor's pages give https://api.bluelobster.ai/api/v1.
    hosts=("api.bluelobster.ai",),
    errors=render_error,
    # FastAPI: every schema violation is 422 (declared on every operation that takes input).
    validation_statuses=(422,),
    fallback_validation_status=422,
    credentials=tenant_credentials,
    authorize=authorize,
    handlers=HANDLERS,
    controls=CONTROLS,
)
