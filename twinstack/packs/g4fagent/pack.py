"""Declaration of the g4fagent twin: seed, hosts, error shape, credentials, overrides, indexes."""

from __future__ import annotations

from pathlib import Path

from twinstack.engine.pack import Pack
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import access, blob_state, credentials, errors, seed_fixes, workspace_state
from twinstack.packs.g4fagent.handlers import PARTS


def on_export(twin: Twin) -> None:
    """What lives on disk goes into the state about to be exported: workspaces, upload and artifact bytes."""
    workspace_state.on_export(twin)
    blob_state.on_export(twin)


def on_import(twin: Twin) -> None:
    """What the imported state carried for the disk is put back there."""
    workspace_state.on_import(twin)
    blob_state.on_import(twin)


PACK = Pack(
    slug="g4fagent",
    seed=Path(__file__).parent / "seed" / "g4fagent.openapi.md",
    # G4FAgent is self-hosted and has no public host; the twin answers to the domain of its default admin e-mail.
    hosts=("g4fagent.local",),
    errors=errors.render,
    # Every operation declares only 200 and `default`: bad input is always a 400.
    validation_statuses=(errors.BAD_INPUT_STATUS,),
    fallback_validation_status=errors.BAD_INPUT_STATUS,
    credentials=credentials.issue,
    authorize=access.authorize,
    patch_document=seed_fixes.patch,
    handlers=PARTS.handlers,
    indexes=PARTS.indexes,
    jobs=PARTS.jobs,
    controls=PARTS.controls,
    on_reset=PARTS.reset_all,
    # Project workspaces and upload/artifact bytes are on disk: an export carries them, an import puts them back.
    on_export=on_export,
    on_import=on_import,
)
