"""Each project's workspace: a real folder under the twin's data dir, and the one guard every path goes through.

Layout::

    <data dir>/g4fagent-workspaces/<tenant key>/<slug(name)>-<last 8 of project id>/   the files (and .git)
    <data dir>/g4fagent-workspaces/<tenant key>/.locks/<folder>.lock                    one lock per project

``<tenant key>`` is a hash of the tenant id, so tenants never share a folder and a
tenant id never becomes a path. The folder name is upstream's, taken once at
creation and kept in the project record (``_folder``); renaming a project does
not move it.

The API other modules use:

- ``Workspace.of(twin, tenant, project)``: the workspace of a project record.
- ``ws.resolve(path)``: the real path of a client-given relative path, or 400
  ``invalid_path`` (absolute, drive or UNC forms, NUL bytes, ``..`` or a symlink
  leading out, percent-encoded traversal, anything inside ``.git``).
- ``ws.read(path) -> (text, etag)``, ``ws.write(path, text, etag=None) -> etag``
  (409 ``etag_conflict`` when ``etag`` is not the current content's; atomic
  temp-file-and-rename; ``MAX_FILE_BYTES``), ``ws.delete(path)``, ``ws.move(src, dst)``.
- ``ws.tree(root, depth, include_hidden)``: the listing ``GET files/tree`` answers.
- ``ws.files()``: every regular file's relative path, bounded, ``.git`` left out.
- ``ws.lock()``: held around any read-check-write sequence (etag checks, diff
  applies, commits), across server processes (``fcntl.flock``).

An etag is the SHA-256 hex of the file's text (UTF-8, invalid bytes replaced), as upstream.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent.errors import BAD_INPUT_STATUS, ApiError

ROOT_NAME = "g4fagent-workspaces"
MAX_FILE_BYTES = 2 * 1024 * 1024
"""``max_file_size_bytes`` of ``/capabilities``: the largest file read or written through the API."""
MAX_ENTRIES = 20_000
"""At most this many entries are visited by one tree listing or workspace walk."""
GIT_DIR = ".git"
DECODE_ROUNDS = 4
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 1024

_SLUG_RUN = re.compile(r"[^a-z0-9]+")
_DRIVE = re.compile(r"^[A-Za-z]:")


def invalid_path(message: str) -> ApiError:
    return ApiError(BAD_INPUT_STATUS, "invalid_path", message, field="path", details={"field": "path"})


def not_found(path: str) -> ApiError:
    return ApiError(404, "not_found", f"File not found: {path}", details={"path": path})


def etag_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def mtime_iso(stamp: float) -> str:
    """A file's mtime, ISO 8601 UTC with microseconds (upstream keeps them for files)."""
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="microseconds")


def folder_name(name: str, project_id: str) -> str:
    """Upstream's folder: ``<slug(name)>-<last 8 chars of the id>``."""
    slug = _SLUG_RUN.sub("-", name.lower()).strip("-") or "project"
    return f"{slug[:60]}-{project_id[-8:]}"


def root_of(twin: Twin) -> Path:
    data_dir = getattr(twin.settings, "data_dir", None) or Path(".twinstack")
    return Path(data_dir).resolve() / ROOT_NAME


def tenant_root(twin: Twin, tenant: str) -> Path:
    return root_of(twin) / hashlib.sha256(tenant.encode()).hexdigest()[:16]


def drop_all(twin: Twin) -> None:
    """``ON_RESET``: the folders of a state being wiped go with it."""
    shutil.rmtree(root_of(twin), ignore_errors=True)


@dataclass(frozen=True, slots=True)
class Workspace:
    root: Path
    """The project's folder (resolved; it may not exist yet)."""
    lock_path: Path

    @classmethod
    def at(cls, twin: Twin, tenant: str, folder: str) -> Workspace:
        base = tenant_root(twin, tenant)
        return cls(base / folder, base / ".locks" / f"{folder}.lock")

    @classmethod
    def of(cls, twin: Twin, tenant: str, project: dict[str, Any]) -> Workspace:
        """The workspace of a stored project record."""
        folder = str(project.get("_folder") or folder_name(str(project.get("name", "")), str(project["id"])))
        return cls.at(twin, tenant, folder)

    # -- life cycle ----------------------------------------------------------------------------

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.lock_path.unlink(missing_ok=True)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive use of the workspace for a read-check-write sequence, in every server process."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- the path guard ------------------------------------------------------------------------

    def resolve(self, path: str, *, allow_root: bool = False) -> Path:
        """The real location of ``path`` inside the workspace, or 400 ``invalid_path``.

        Symlinks are followed before the check, so a link pointing outside is
        refused; each percent-decoding of the path must be inside too (a client,
        proxy or tool may decode it once or twice more than the twin does).
        """
        if not isinstance(path, str):
            raise invalid_path("path must be a string.")
        candidate = path
        for _ in range(DECODE_ROUNDS):
            self._check(candidate, allow_root)
            decoded = unquote(candidate)
            if decoded == candidate:
                break
            candidate = decoded
        else:
            raise invalid_path("Path is percent-encoded too many times.")
        target = self._inside(path)
        if target == self.root.resolve() and not allow_root:
            raise invalid_path("Path names the project root, not a file.")
        return target

    def _check(self, path: str, allow_root: bool) -> None:
        if "\x00" in path:
            raise invalid_path("Path contains a NUL byte.")
        if not path.strip() and not allow_root:
            raise invalid_path("path is required.")
        if path.startswith(("/", "\\")) or _DRIVE.match(path):
            raise invalid_path("Absolute paths are not allowed.")
        try:
            encoded = path.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise invalid_path("Path is not valid UTF-8.") from exc
        parts = [p for p in re.split(r"[\\/]", path) if p not in ("", ".")]
        if len(encoded) > MAX_PATH_BYTES or any(len(p.encode("utf-8")) > MAX_NAME_BYTES for p in parts):
            raise invalid_path("Path is too long.")
        if any(p.lower() == GIT_DIR for p in parts):
            raise invalid_path("Paths inside .git are not allowed.")
        self._inside(path)

    def _inside(self, path: str) -> Path:
        base = self.root.resolve()
        try:
            target = (base / path.replace("\\", "/")).resolve()
        except (RuntimeError, OSError) as exc:  # a symlink loop, or a name the system refuses
            raise invalid_path("Path cannot be resolved.") from exc
        if target != base and not target.is_relative_to(base):
            raise invalid_path("Path escapes project root.")
        relative = target.relative_to(base).parts
        if relative and relative[0].lower() == GIT_DIR:
            raise invalid_path("Paths inside .git are not allowed.")
        return target

    def relative(self, target: Path) -> str:
        return target.relative_to(self.root.resolve()).as_posix()

    # -- files ---------------------------------------------------------------------------------

    def read(self, path: str) -> tuple[str, str]:
        """``(text, etag)`` of a file; 404 ``not_found`` when it is no file."""
        target = self.resolve(path)
        if not target.is_file():
            raise not_found(path)
        if target.stat().st_size > MAX_FILE_BYTES:
            raise ApiError(BAD_INPUT_STATUS, "invalid_request",
                           f"File is larger than max_file_size_bytes ({MAX_FILE_BYTES}).", field="path",
                           details={"field": "path"})
        text = decode(target.read_bytes())
        return text, etag_of(text)

    def current_etag(self, target: Path) -> str | None:
        return etag_of(decode(target.read_bytes())) if target.is_file() else None

    def write(self, path: str, text: str, etag: str | None = None) -> str:
        """Write ``text`` (creating folders); with ``etag``, only over a file whose content has it (else 409)."""
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ApiError(BAD_INPUT_STATUS, "invalid_request", "text is not valid UTF-8.", field="text",
                           details={"field": "text"}) from exc
        if len(data) > MAX_FILE_BYTES:
            raise ApiError(BAD_INPUT_STATUS, "invalid_request",
                           f"text is larger than max_file_size_bytes ({MAX_FILE_BYTES}).", field="text",
                           details={"field": "text"})
        target = self.resolve(path)
        with self.lock():
            if target.is_dir():
                raise invalid_path("Path is a directory.")
            current = self.current_etag(target)
            if etag and current is not None and etag != current:
                raise ApiError(409, "etag_conflict", "The file changed since it was read (etag mismatch).",
                               details={"path": path, "etag": current})
            self.put_bytes(target, data)
        return etag_of(decode(data))

    def put_bytes(self, target: Path, data: bytes) -> None:
        """Atomically replace ``target`` (already resolved) with ``data``: a reader sees the old or the new file."""
        self._make_parents(target)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".g4f-", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _make_parents(self, target: Path) -> None:
        parent = target.parent
        for folder in [parent, *parent.parents]:
            if folder.exists():
                if not folder.is_dir():
                    raise invalid_path(f"A parent of the path is a file: {self.relative(folder)}")
                break
        parent.mkdir(parents=True, exist_ok=True)

    def delete(self, path: str) -> None:
        """Delete a file (not a folder); 404 ``not_found`` when there is none."""
        target = self.resolve(path)
        if not target.is_file():
            raise not_found(path)
        target.unlink()

    def move(self, source: str, destination: str) -> None:
        """Move a file or folder inside the workspace; the destination must not exist."""
        src, dst = self.resolve(source), self.resolve(destination)
        if not src.exists():
            raise not_found(source)
        if dst.exists():
            raise invalid_path(f"Destination exists: {destination}")
        self._make_parents(dst)
        src.rename(dst)

    # -- listings ------------------------------------------------------------------------------

    def tree(self, root: str, depth: int, include_hidden: bool) -> list[dict[str, Any]]:
        """``{path, type, mtime, size_bytes}`` under ``root`` down to ``depth`` levels; ``.git`` is never listed."""
        start = self.root.resolve() if root.strip() in ("", "/", ".") else self.resolve(root.lstrip("/"))
        if not start.exists():
            raise not_found(root)
        if start.is_file():
            return [self._entry(start)]
        items: list[dict[str, Any]] = []
        level = [start]
        for _ in range(depth):
            below: list[Path] = []
            for folder in level:
                for child in sorted(folder.iterdir(), key=lambda p: p.name):
                    if child.name == GIT_DIR or (not include_hidden and child.name.startswith(".")):
                        continue
                    if len(items) >= MAX_ENTRIES:
                        return items
                    if child.is_symlink() and not self._points_inside(child):
                        continue
                    try:
                        items.append(self._entry(child))
                    except OSError:  # a dangling link, or a file removed meanwhile
                        continue
                    if child.is_dir() and not child.is_symlink():
                        below.append(child)
            level = below
        return items

    def _points_inside(self, link: Path) -> bool:
        try:
            return link.resolve().is_relative_to(self.root.resolve())
        except (RuntimeError, OSError):  # a symlink loop leads nowhere
            return False

    def _entry(self, target: Path) -> dict[str, Any]:
        info = target.stat()
        is_dir = target.is_dir()
        return {"path": target.relative_to(self.root.resolve()).as_posix(), "type": "dir" if is_dir else "file", "mtime": mtime_iso(info.st_mtime),
                "size_bytes": 0 if is_dir else info.st_size}

    def files(self, limit: int = MAX_ENTRIES) -> list[str]:
        """Every regular file's relative path (no ``.git``, no symlinks), sorted, at most ``limit``."""
        base = self.root.resolve()
        found: list[str] = []
        if not base.is_dir():
            return found
        for folder, dirs, names in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d != GIT_DIR and not os.path.islink(os.path.join(folder, d)))
            for name in sorted(names):
                full = Path(folder) / name
                if full.is_symlink() or not full.is_file():
                    continue
                found.append(full.relative_to(base).as_posix())
                if len(found) >= limit:
                    return found
        return found
