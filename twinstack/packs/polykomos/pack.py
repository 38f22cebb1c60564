"""Declaration of the polykomos twin: seed, hosts, error shape, credentials, overrides, jobs, indexes, start-up."""

from __future__ import annotations

import secrets
from pathlib import Path

from twinstack.engine.pack import Pack
from twinstack.packs.polykomos import blueprint_applications, blueprint_records, provisioning, storage
from twinstack.packs.polykomos.auth import SCOPES, record_use, tenant_credentials
from twinstack.packs.polykomos.controls import CONTROLS
from twinstack.packs.polykomos.errors import render_error, validation_status
from twinstack.packs.polykomos.handlers import HANDLERS
from twinstack.packs.polykomos.seed_fixes import patch_document
from twinstack.packs.polykomos.startup import on_reset, on_start
from twinstack.packs.polykomos.state_import import on_import


def new_request_id() -> str:
    """``req_`` and 12 hex digits, as in the document's example ``req_a1b2c3d4e5f6``."""
    return "req_" + secrets.token_hex(6)


PACK = Pack(
    slug="polykomos",
    seed=Path(__file__).parent / "seed" / "polykomos.openapi.json",
    hosts=("polykomos.com",),
    errors=render_error,
    # Field validation is 422 wherever declared; 400 only for the faults that
    # ``validation_status`` singles out. Operations declaring neither (lists, reads,
    # deletes) still get 422 for bad paging input: a gap of the document.
    validation_statuses=(422, 400),
    fallback_validation_status=422,
    validation_status=validation_status,
    credentials=tenant_credentials,
    handlers=HANDLERS,
    jobs={**provisioning.JOBS, **storage.JOBS, **blueprint_applications.JOBS},
    # Slugs are unique per tenant; every list pages by the store's order, so nothing else is looked up by field.
    indexes={blueprint_records.COLLECTION: ("slug",)},
    controls=CONTROLS,
    request_id=new_request_id,
    request_id_field="request_id",
    scopes={op: list(needed) for op, needed in SCOPES.items() if needed},
    revoked_status=403,
    authorize=record_use,
    patch_document=patch_document,
    on_start=on_start,
    on_reset=on_reset,
    on_import=on_import,
)
