"""Unified diffs against a workspace: parsed with ``unidiff``, applied all-or-nothing by a checked applier.

``parse(patch)`` reads a unified diff (plain or ``git diff``) into its files:
``{path, patch, added, removed, change}`` with ``change`` one of ``modified``,
``added``, ``deleted``, ``renamed`` (and ``old_path`` for renames); text that
is not a unified diff is 400 ``invalid_request`` naming ``patch``. Each path
goes through the workspace guard.

``apply(ws, patch)`` works out every file's new content first, as ``git apply``
would: each hunk's context and removed lines must be found in the current
file (at the stated line, or the nearest place after the previous hunk when
lines moved), an added file must not exist (nor a file where its folder must
be), a deleted one must match, and a file named twice takes its second part
on what the first made of it. Only when every file applies cleanly is
anything written, each file atomically; otherwise nothing changes and the
answer is False.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from twinstack.packs.g4fagent.errors import invalid_request
from twinstack.packs.g4fagent.workspace import MAX_FILE_BYTES, Workspace, decode

if TYPE_CHECKING:
    from unidiff.patch import Hunk, PatchedFile

MAX_PATCH_BYTES = MAX_FILE_BYTES
MAX_FILES = 500
NO_NEWLINE = "\\"


def _strip(name: str) -> str | None:
    """A header's path without its ``a/``/``b/`` prefix; None for ``/dev/null``."""
    if name in ("/dev/null", ""):
        return None
    return name[2:] if name.startswith(("a/", "b/")) else name


def _patched_files(patch: str) -> list[PatchedFile]:
    if len(patch.encode("utf-8")) > MAX_PATCH_BYTES:
        raise invalid_request(f"patch is larger than {MAX_PATCH_BYTES} bytes.", "patch")
    # Imported on first use: only patches need the parser (about 5 ms of the start with the pack).
    from unidiff.errors import UnidiffParseError
    from unidiff.patch import PatchSet

    try:
        files = list(PatchSet(patch))
    except UnidiffParseError as exc:
        raise invalid_request(f"patch is not a valid unified diff: {exc}", "patch") from exc
    if not files:
        raise invalid_request("patch is not a unified diff (no ---/+++ file headers).", "patch")
    if len(files) > MAX_FILES:
        raise invalid_request(f"patch touches more than {MAX_FILES} files.", "patch")
    return files


def _change(patched: PatchedFile) -> str:
    if patched.is_added_file:
        return "added"
    if patched.is_removed_file:
        return "deleted"
    if patched.is_rename:
        return "renamed"
    return "modified"


def parse(ws: Workspace, patch: str) -> list[dict[str, Any]]:
    """The files of ``patch``, each checked by the path guard (400 ``invalid_path`` for one leading out)."""
    out: list[dict[str, Any]] = []
    for patched in _patched_files(patch):
        source, target = _strip(patched.source_file), _strip(patched.target_file)
        path = target if target is not None else source
        if path is None:
            raise invalid_request("patch names a file as /dev/null on both sides.", "patch")
        for name in {source, target} - {None}:
            assert name is not None
            ws.resolve(name)
        entry: dict[str, Any] = {"path": path, "patch": str(patched), "added": patched.added,
                                 "removed": patched.removed, "change": _change(patched)}
        if patched.is_rename and source is not None and source != path:
            entry["old_path"] = source
        out.append(entry)
    return out


def stats(files: list[dict[str, Any]]) -> dict[str, int]:
    return {"added": sum(int(f["added"]) for f in files), "removed": sum(int(f["removed"]) for f in files)}


def _sides(hunk: Hunk) -> tuple[list[str], list[str]]:
    """The hunk's lines as they must be found, and as they become (``\\ No newline`` honoured)."""
    before: list[str] = []
    after: list[str] = []
    last: str | None = None
    for line in hunk:
        kind = line.line_type
        if kind == NO_NEWLINE:
            for side, kinds in ((before, " -"), (after, " +")):
                if last is not None and last in kinds and side and side[-1].endswith("\n"):
                    side[-1] = side[-1][:-1]
            continue
        if kind in " -":
            before.append(line.value)
        if kind in " +":
            after.append(line.value)
        last = kind
    return before, after


def _place(lines: list[str], wanted: list[str], start: int, floor: int) -> int | None:
    """Where ``wanted`` occurs in ``lines`` at or after ``floor``, nearest to ``start``."""
    size = len(wanted)
    last = len(lines) - size
    if last < floor:
        return None
    start = min(max(start, floor), last)
    for distance in range(last - floor + 1):
        for position in (start - distance, start + distance):
            if floor <= position <= last and lines[position:position + size] == wanted:
                return position
    return None


def _patched_text(original: str, patched: PatchedFile) -> str | None:
    lines = original.splitlines(keepends=True)
    result: list[str] = []
    cursor = 0
    for hunk in patched:
        before, after = _sides(hunk)
        start = hunk.source_start - 1 if hunk.source_length else hunk.source_start
        position = _place(lines, before, max(start, 0), cursor)
        if position is None:
            return None
        result += lines[cursor:position] + after
        cursor = position + len(before)
    return "".join(result + lines[cursor:])


class _Planned:
    """The working tree as the patch leaves it, file by file, before anything is written."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.changes: dict[Path, str | None] = {}
        """New content of each touched file; None for a file the patch deletes."""

    def content(self, where: Path) -> str | None:
        if where in self.changes:
            return self.changes[where]
        return decode(where.read_bytes()) if where.is_file() else None

    def exists(self, where: Path) -> bool:
        return self.changes[where] is not None if where in self.changes else where.exists()

    def can_hold(self, where: Path) -> bool:
        """Whether a file can be written at ``where``: no folder there, no file where a parent folder must be."""
        if where.is_dir():
            return False
        root = self.ws.root.resolve()
        return all(not parent.exists() or parent.is_dir() for parent in where.parents if parent.is_relative_to(root))


def _plan(planned: _Planned, patched: PatchedFile) -> bool:
    """Work one file of the patch into ``planned``; False when it does not apply cleanly."""
    source, target = _strip(patched.source_file), _strip(patched.target_file)
    if patched.is_binary_file:
        return False
    ws = planned.ws
    origin = ws.resolve(source) if source is not None else None
    destination = ws.resolve(target) if target is not None else None
    if origin is None:  # a new file
        if destination is None or planned.exists(destination) or not planned.can_hold(destination):
            return False
        content = _patched_text("", patched)
    else:
        current = planned.content(origin)
        content = None if current is None else _patched_text(current, patched)
    if content is None:
        return False
    if destination is None:  # a deleted file: everything it held must have been removed
        if content != "":
            return False
        assert origin is not None
        planned.changes[origin] = None
        return True
    if origin is not None and destination != origin:  # a rename
        if planned.exists(destination) or not planned.can_hold(destination):
            return False
        planned.changes[origin] = None
    planned.changes[destination] = content
    return True


def apply(ws: Workspace, patch: str) -> bool:
    """Apply ``patch`` to the working tree if every file applies cleanly; False (nothing written) otherwise.

    A file may appear in several parts of the patch: each part applies to what the earlier ones made of it.
    """
    with ws.lock():
        planned = _Planned(ws)
        if not all(_plan(planned, patched) for patched in _patched_files(patch)):
            return False
        for where, content in planned.changes.items():
            if content is None:
                where.unlink(missing_ok=True)
            else:
                ws.put_bytes(where, content.encode("utf-8"))
    return True
