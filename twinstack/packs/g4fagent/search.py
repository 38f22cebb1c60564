"""Text search over a project's workspace (``POST /projects/{id}/search``).

Plain text or a regular expression, case-insensitive unless asked, line by
line through every text file under the given paths (the whole workspace by
default). ``.git``, binary files (a NUL byte in the first 8 KiB) and files over
``MAX_FILE_BYTES`` are skipped. Bounded three ways: at most ``MAX_MATCHES``
matches (upstream's cap), ``workspace.MAX_ENTRIES`` files, and ``TIME_BUDGET``
seconds of matching; the ``regex`` engine enforces the time limit inside a
match too, so a pathological expression answers 400 instead of hanging.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twinstack.packs.g4fagent.errors import invalid_request
from twinstack.packs.g4fagent.workspace import MAX_FILE_BYTES, Workspace, decode

if TYPE_CHECKING:
    import regex

MAX_MATCHES = 5000
PREVIEW_CHARS = 500
TIME_BUDGET = 5.0
BINARY_PROBE = 8192


def compile_query(q: str, *, use_regex: bool, case_sensitive: bool) -> regex.Pattern[str]:
    import regex  # on first use: only searches need it, and it costs the start about 16 ms

    flags = 0 if case_sensitive else regex.IGNORECASE
    try:
        return regex.compile(q if use_regex else regex.escape(q), flags)
    except regex.error as exc:
        raise invalid_request(f"q is not a valid regular expression: {exc}", "q") from exc


def _targets(ws: Workspace, paths: list[str]) -> list[Path]:
    """The files to search: every file of the workspace, or those under ``paths`` (each through the guard)."""
    base = ws.root.resolve()
    if not paths:
        return [base / name for name in ws.files()]
    chosen: list[Path] = []
    every: list[str] | None = None
    for path in paths:
        target = ws.resolve(path, allow_root=True)
        if target.is_file():
            chosen.append(target)
        elif target.is_dir():
            every = ws.files() if every is None else every
            prefix = "" if target == base else target.relative_to(base).as_posix() + "/"
            chosen += [base / name for name in every if name.startswith(prefix)]
    return list(dict.fromkeys(chosen))


def search(ws: Workspace, pattern: regex.Pattern[str], paths: list[str]) -> list[dict[str, Any]]:
    """``{path, line (1-based), preview}`` of every matching line, in path order."""
    deadline = time.monotonic() + TIME_BUDGET
    base = ws.root.resolve()
    matches: list[dict[str, Any]] = []
    for target in _targets(ws, paths):
        try:
            if target.stat().st_size > MAX_FILE_BYTES:
                continue
            data = target.read_bytes()
        except OSError:
            continue
        if b"\x00" in data[:BINARY_PROBE]:
            continue
        name = target.relative_to(base).as_posix()
        for number, line in enumerate(decode(data).splitlines(), start=1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise invalid_request("The search took too long; narrow q or paths.", "q")
            try:
                found = pattern.search(line, timeout=remaining)
            except TimeoutError as exc:
                raise invalid_request("The search took too long; narrow q or paths.", "q") from exc
            if found is not None:
                matches.append({"path": name, "line": number, "preview": line[:PREVIEW_CHARS]})
                if len(matches) >= MAX_MATCHES:
                    return matches
    return matches
