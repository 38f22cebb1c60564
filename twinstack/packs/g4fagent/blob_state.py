"""Upload and artifact bytes in a state export and import (chained into ``Pack.on_export`` / ``on_import``).

The bytes of uploads and artifacts live on disk (``uploads.blob_path``), outside
the state store. Just before ``/_twinstack/state/export`` reads the state, each
file's and artifact's bytes are put, base64, into the key-value entry
``g4fagent-blob / <tenant>:<kind>:<id>``, so the snapshot carries them like any
other row. After an import the old bytes are removed and every file and
artifact of the new state gets its bytes back from its entry (an upload the
export caught half-written comes back with the chunks it had); the entries are
deleted once used.

Nothing here is on a request's path: these visit every file and artifact of
every tenant, a page at a time.
"""

from __future__ import annotations

import base64
import logging
import shutil
from collections.abc import Iterator

from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import uploads

log = logging.getLogger("twinstack.g4fagent")

NAMESPACE = "g4fagent-blob"
KINDS = (("/files", "uploads"), ("/artifacts", "artifacts"))
PAGE = 200


def _key(tenant: str, kind: str, rid: str) -> str:
    return f"{tenant}:{kind}:{rid}"


def every_blob(twin: Twin) -> Iterator[tuple[str, str, str]]:
    """``(tenant, kind, id)`` of every stored file and artifact, read ``PAGE`` at a time."""
    for tenant in twin.store.list_tenants():
        for collection, kind in KINDS:
            state, after = twin.collection(tenant["id"], collection), None
            while True:
                found = state.find(limit=PAGE, after=after)
                for record in found.items:
                    yield tenant["id"], kind, str(record["id"])
                if found.cursor is None:
                    break
                after = found.cursor


def on_export(twin: Twin) -> None:
    for tenant, kind, rid in every_blob(twin):
        path = uploads.blob_path(twin, tenant, kind, rid)
        if path.is_file():
            twin.store.kv_put(NAMESPACE, _key(tenant, kind, rid), base64.b64encode(path.read_bytes()).decode("ascii"))


def on_import(twin: Twin) -> None:
    shutil.rmtree(uploads.root_of(twin), ignore_errors=True)
    for tenant, kind, rid in every_blob(twin):
        key = _key(tenant, kind, rid)
        entry = twin.store.kv_get(NAMESPACE, key)
        path = uploads.blob_path(twin, tenant, kind, rid)
        try:
            if isinstance(entry, str):
                uploads.write_whole(path, base64.b64decode(entry))
            elif kind == "uploads":
                uploads.create_blob(path)  # an upload begun before export tracking: its chunks can come again
        except (OSError, ValueError) as exc:
            log.warning("state import: the bytes of %s could not be restored: %s", rid, exc)
        if entry is not None:
            twin.store.kv_delete(NAMESPACE, key)
