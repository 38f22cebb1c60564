"""Declaration of the odin twin (ODIN Cortex): seed, hosts, error shape, credentials, overrides."""

from __future__ import annotations

import json
from pathlib import Path

from twinstack.engine.pack import Pack
from twinstack.packs.odin.access import authorize
from twinstack.packs.odin.auth import extract_credential, scope_of
from twinstack.packs.odin.errors import render_error
from twinstack.packs.odin.handlers import PARTS
from twinstack.packs.odin.tenancy import seed_tenant, tenant_credentials
from twinstack.packs.odin.webhooks import start as start_webhooks

SEED = Path(__file__).parent / "seed" / "odin-cortex.openapi.json"

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def seed_operations(seed: Path) -> dict[str, list[str]]:
    """operationId -> tags, for every operation of the document."""
    doc = json.loads(seed.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for item in doc.get("paths", {}).values():
        for method, operation in item.items():
            if method in _METHODS and isinstance(operation, dict) and operation.get("operationId"):
                found[str(operation["operationId"])] = list(operation.get("tags") or [])
    return found


_OPERATIONS = seed_operations(SEED)

PACK = Pack(
    slug="odin",
    seed=SEED,
    hosts=("ots.odin.4players.io",),
    errors=render_error,
    # NestJS' ValidationPipe answers every bad input 400; the document never declares 422.
    validation_statuses=(400,),
    fallback_validation_status=400,
    credentials=tenant_credentials,
    on_tenant=seed_tenant,
    extract=extract_credential,
    scopes={op: [scope] for op, tags in _OPERATIONS.items() if (scope := scope_of(op, tags)) is not None},
    authorize=authorize,
    handlers=PARTS.handlers,
    indexes=PARTS.indexes,
    jobs=PARTS.jobs,
    controls=PARTS.controls,
    on_reset=PARTS.reset_all,
    # Webhook retries pending from before a restart resume as soon as the server is up.
    on_start=start_webhooks,
)
"""The odin twin."""
