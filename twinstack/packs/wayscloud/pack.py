"""Declaration of the wayscloud twin: seed, hosts, error shape, credentials, overrides."""

from __future__ import annotations

import json
from pathlib import Path

from twinstack.engine.pack import Pack
from twinstack.packs.wayscloud.auth import extract, on_tenant, tenant_credentials
from twinstack.packs.wayscloud.errors import render_error, validation_status
from twinstack.engine.twin import Twin
from twinstack.packs.wayscloud.blobs import drop_all
from twinstack.packs.wayscloud.handlers import PARTS
from twinstack.packs.wayscloud.key_use import record_use
from twinstack.packs.wayscloud.permissions import operation_scopes
from twinstack.packs.wayscloud.seed_fixes import adapt_body, patch_document

SEED = Path(__file__).parent / "seed" / "wayscloud.openapi.json"
_DOC = json.loads(SEED.read_text(encoding="utf-8"))


def release(twin: Twin) -> None:
    """Before a reset: the files kept for real, then what each service module owns outside the state."""
    drop_all(twin)
    PARTS.reset_all(twin)


PACK = Pack(
    slug="wayscloud",
    seed=SEED,
    # The API host, and the host the document gives OpenAI clients as their base URL.
    hosts=("api.wayscloud.services", "llm.wayscloud.services"),
    errors=render_error,
    # FastAPI answers bad input with 422; 400 where an operation declares only that.
    # Operations declaring neither still get 422 (a gap of the document); a bad path
    # parameter is 404 where declared (``validation_status``).
    validation_statuses=(422, 400),
    fallback_validation_status=422,
    validation_status=validation_status,
    credentials=tenant_credentials,
    extract=extract,
    # Notes when each key was last used (``last_used_at`` in the key list).
    authorize=record_use,
    on_tenant=on_tenant,
    scopes=operation_scopes(_DOC),
    indexes=PARTS.indexes,
    handlers=PARTS.handlers,
    jobs=PARTS.jobs,
    # What only the outside world causes (a customer's GPU Studio tier, set by the vendor's billing...).
    controls=PARTS.controls,
    endpoints=PARTS.endpoints,
    mounts=PARTS.mounts,
    on_start=PARTS.start_all,
    on_reset=release,
    # Paths the official clients call that the document omits, and their spellings of bodies.
    patch_document=patch_document,
    adapt_body=adapt_body,
    # Eighteen operations with a path parameter declare no 404, and some creating operations
    # declare 400 but no 409. The condition is reported with the declared status closest in
    # meaning, still worded as what happened: a missing VPS on a backup, snapshot or Live Events
    # action is "not in a state that allows it" (409); an existing DNS zone is a 400, as the
    # vendor's brief says for zones. Operations that declare neither keep the original status.
    status_fallbacks={404: (409,), 409: (400,)},
)
