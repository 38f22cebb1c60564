"""Artifacts of a project: real ZIP archives of its workspace, or small JSON descriptors.

``type: "zip"`` packs the named ``paths`` (each through the workspace's path
guard, a folder taken with everything under it, missing ones skipped) or every
file of the workspace, deflated, ``.git`` left out; any other type is stored as
a JSON descriptor of what was asked. The bytes live beside the uploads
(``uploads.blob_path``); the record carries their real ``size_bytes`` and
``sha256``. The API has no route for the bytes (``download_url`` is the
metadata endpoint, as upstream); the twin's control
``GET /_twinstack/g4fagent/download?id=<artifact or file id>`` returns them.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

from twinstack.packs.g4fagent import uploads
from twinstack.packs.g4fagent.workspace import GIT_DIR, MAX_ENTRIES, Workspace


def members(ws: Workspace, paths: list[str]) -> list[str]:
    """The workspace files an archive holds: ``paths`` expanded (folders recursively), or every file."""
    if not paths:
        return ws.files()
    base = ws.root.resolve()
    found: dict[str, None] = {}
    for path in paths:
        target = ws.resolve(path)
        if target.is_file():
            found[target.relative_to(base).as_posix()] = None
        elif target.is_dir():
            for folder, dirs, names in os.walk(target):
                dirs[:] = sorted(d for d in dirs if d != GIT_DIR and not os.path.islink(os.path.join(folder, d)))
                for name in sorted(names):
                    full = Path(folder) / name
                    if full.is_file() and not full.is_symlink():
                        found[full.relative_to(base).as_posix()] = None
        if len(found) >= MAX_ENTRIES:
            break
    return list(found)[:MAX_ENTRIES]


def build_zip(ws: Workspace, paths: list[str], target: Path) -> int:
    """Write the archive to ``target`` (atomically); how many files it holds."""
    names = members(ws, paths)
    base = ws.root.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(base / name, arcname=name)
    partial.replace(target)
    return len(names)


def write_descriptor(target: Path, descriptor: dict[str, Any]) -> None:
    uploads.write_whole(target, json.dumps(descriptor, indent=2, sort_keys=True).encode())
