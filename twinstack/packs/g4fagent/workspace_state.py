"""Workspaces in a state export and import (``Pack.on_export``, ``Pack.on_import``) and at reset.

The files of a project live on disk, outside the state store. So that
``/_twinstack/state/export`` stays one self-contained JSON document, the
export hook packs each project's folder (``.git`` included) as a gzipped tar,
base64, into the key-value entry ``g4fagent-workspace / <tenant>:<project id>``
just before the state is read; the snapshot then carries it like any other row.

After an import, every folder of the old state is removed and each project of
the new one gets its folder back from its entry (extracted with tarfile's
``data`` filter, so a crafted archive cannot write outside the folder or plant
links leading out); a project without an entry gets an empty repository. The
entries are deleted once used. A project's delete drops its entry too
(``forget``), and a reset wipes every folder (``workspace.drop_all``).

Nothing here is on a request's path: these visit every project of every tenant,
a page at a time.
"""

from __future__ import annotations

import base64
import io
import logging
import shutil
import tarfile
from collections.abc import Iterator
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import repo
from twinstack.packs.g4fagent.workspace import Workspace, root_of

log = logging.getLogger("twinstack.g4fagent")

NAMESPACE = "g4fagent-workspace"
PROJECTS = "/projects"
PAGE = 200


def _key(tenant: str, project_id: str) -> str:
    return f"{tenant}:{project_id}"


def every_project(twin: Twin) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(tenant, project record)`` of every project, read ``PAGE`` at a time."""
    for tenant in twin.store.list_tenants():
        projects, after = twin.collection(tenant["id"], PROJECTS), None
        while True:
            found = projects.find(limit=PAGE, after=after)
            for record in found.items:
                yield tenant["id"], record
            if found.cursor is None:
                break
            after = found.cursor


def pack_folder(ws: Workspace) -> str:
    """The folder as a gzipped tar, base64; paths inside are relative to the folder."""
    buffer = io.BytesIO()
    with ws.lock(), tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        if ws.root.is_dir():
            for child in sorted(ws.root.iterdir()):
                archive.add(child, arcname=child.name)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def unpack_folder(ws: Workspace, packed: str) -> None:
    ws.remove()
    ws.create()
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(packed)), mode="r:gz") as archive:
        archive.extractall(ws.root, filter="data")


def on_export(twin: Twin) -> None:
    for tenant, project in every_project(twin):
        ws = Workspace.of(twin, tenant, project)
        twin.store.kv_put(NAMESPACE, _key(tenant, str(project["id"])),
                          {"folder": ws.root.name, "archive": pack_folder(ws)})


def on_import(twin: Twin) -> None:
    shutil.rmtree(root_of(twin), ignore_errors=True)
    for tenant, project in every_project(twin):
        ws = Workspace.of(twin, tenant, project)
        key = _key(tenant, str(project["id"]))
        entry = twin.store.kv_get(NAMESPACE, key)
        try:
            if isinstance(entry, dict) and isinstance(entry.get("archive"), str):
                unpack_folder(ws, entry["archive"])
            else:
                repo.create(ws)
        except (OSError, tarfile.TarError, ValueError) as exc:
            # A damaged archive must not stop the rest of the import: the project gets an empty repository.
            log.warning("state import: the workspace of %s could not be restored: %s", project["id"], exc)
            ws.remove()
            repo.create(ws)
        if entry is not None:
            twin.store.kv_delete(NAMESPACE, key)


def forget(twin: Twin, tenant: str, project_id: str) -> None:
    """A deleted project's exported archive goes with it."""
    twin.store.kv_delete(NAMESPACE, _key(tenant, project_id))
