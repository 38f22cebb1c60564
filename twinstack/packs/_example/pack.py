"""Declaration of the example twin: seed, hosts, error style, overrides and what they look up."""

from __future__ import annotations

from pathlib import Path

from twinstack.engine.pack import Pack

from . import errors
from .handlers import HANDLERS, notes

PACK = Pack(
    slug="example",
    seed=Path(__file__).parent / "seed" / "example.openapi.yaml",
    # The document's server is relative (/v1): the API's production host is named here, so a client
    # pointed at it with this Host header reaches /v1/... as it would the real API (or /example/v1/...).
    hosts=("notes.example.test",),
    errors=errors.render_error,
    # Bad input is the 400 every operation with input declares.
    validation_statuses=(400,),
    fallback_validation_status=400,
    handlers=HANDLERS,
    indexes={notes.COLLECTION: notes.INDEXED},
)
