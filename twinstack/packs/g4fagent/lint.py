"""Lint and format of workspace files with real tools (``POST lint``, ``POST format``).

Lint, per kind of file:

- Python: ``ruff check`` with ruff's default rule set (``E4,E7,E9,F``), run on
  the files only (``--isolated``: no configuration from the workspace);
  syntax errors, ``E9``, ``F63``, ``F7``, ``F82`` are ``error``, other rules ``warning``.
- JSON: ``json`` parse errors with their line and column; YAML (``yaml``) and
  TOML (``tomllib``) likewise.
- other text: trailing whitespace and a missing final newline as ``info``.
- a path that is no file: upstream's ``file_not_found`` error at 1:1.

Format: Python through ``ruff format``, JSON re-indented by two spaces
(keys kept in order), other text files named explicitly get trailing
whitespace stripped and one final newline. Without ``paths`` every Python and
JSON file of the workspace is formatted. Ruff runs as a subprocess (never a
shell) in the workspace with a minimal environment and a time limit.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sysconfig
import tomllib
from pathlib import Path
from typing import Any

from twinstack.packs.g4fagent.workspace import MAX_FILE_BYTES, Workspace, decode

RULES = "E4,E7,E9,F"
TIMEOUT = 30.0
_ERRORS = re.compile(r"^(E9|F63|F7|F82)")
_TOML_AT = re.compile(r"at line (\d+), column (\d+)")
_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def _diagnostic(path: str, line: int, col: int, severity: str, code: str, message: str) -> dict[str, Any]:
    return {"path": path, "line": line, "col": col, "severity": severity, "code": code, "message": message}


def ruff_binary() -> str:
    """The ``ruff`` installed with this Python (the ``ruff`` dependency), else one on the PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "ruff"
    return str(beside) if beside.is_file() else (shutil.which("ruff") or "ruff")


def _ruff(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    command = [ruff_binary(), *args]
    try:
        return subprocess.run(command, cwd=ws.root.resolve(), env=_ENV, capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
    except (subprocess.TimeoutExpired, OSError) as exc:
        return subprocess.CompletedProcess(command, -1, "", f"ruff did not finish: {exc}")


def _python(ws: Workspace, files: dict[str, Path]) -> list[dict[str, Any]]:
    if not files:
        return []
    names = {str(target): path for path, target in files.items()}
    run = _ruff(ws, "check", "--isolated", "--no-cache", "--select", RULES, "--output-format", "json",
                "--", *names)
    try:
        if run.returncode not in (0, 1):
            raise ValueError(run.stderr)
        found = json.loads(run.stdout or "[]")
    except ValueError:
        return [_diagnostic(path, 1, 1, "error", "lint_failed", (run.stderr or "ruff failed").strip()[:500])
                for path in files]
    out = []
    for item in found:
        path = names.get(str(item.get("filename")), str(item.get("filename")))
        code = str(item.get("code") or "invalid-syntax")
        severity = "error" if code == "invalid-syntax" or _ERRORS.match(code) else "warning"
        where = item.get("location") or {}
        out.append(_diagnostic(path, int(where.get("row", 1)), int(where.get("column", 1)), severity, code,
                               str(item.get("message", ""))))
    return out


def _structured(path: str, suffix: str, text: str) -> list[dict[str, Any]]:
    import yaml  # on first use: only YAML-bearing lint runs need it, and it costs the start about 65 ms

    try:
        if suffix == ".json":
            json.loads(text)
        elif suffix in (".yaml", ".yml"):
            yaml.safe_load(text)
        else:
            tomllib.loads(text)
    except json.JSONDecodeError as exc:
        return [_diagnostic(path, exc.lineno, exc.colno, "error", "json_parse_error", exc.msg)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return [_diagnostic(path, line, col, "error", "yaml_parse_error", str(getattr(exc, "problem", exc)))]
    except tomllib.TOMLDecodeError as exc:
        at = _TOML_AT.search(str(exc))
        line, col = (int(at.group(1)), int(at.group(2))) if at else (1, 1)
        return [_diagnostic(path, line, col, "error", "toml_parse_error", str(exc))]
    return []


def _whitespace(path: str, text: str) -> list[dict[str, Any]]:
    out = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        stripped = line.rstrip("\r")
        if stripped != stripped.rstrip():
            out.append(_diagnostic(path, number, len(stripped.rstrip()) + 1, "info", "trailing_whitespace",
                                   "Trailing whitespace."))
    if text and not text.endswith("\n"):
        out.append(_diagnostic(path, len(lines), len(lines[-1]) + 1, "info", "missing_final_newline",
                               "No newline at end of file."))
    return out


def lint(ws: Workspace, paths: list[str]) -> list[dict[str, Any]]:
    """Diagnostics for ``paths`` (each through the path guard), Python ones first, in the order given."""
    python: dict[str, Path] = {}
    out: list[dict[str, Any]] = []
    for path in dict.fromkeys(paths):
        target = ws.resolve(path)
        if not target.is_file():
            out.append(_diagnostic(path, 1, 1, "error", "file_not_found", "File not found."))
            continue
        if target.stat().st_size > MAX_FILE_BYTES:
            out.append(_diagnostic(path, 1, 1, "info", "file_too_large", "File too large to lint."))
            continue
        suffix = target.suffix.lower()
        if suffix in (".py", ".pyi"):
            python[path] = target
            continue
        text = decode(target.read_bytes())
        if suffix in (".json", ".yaml", ".yml", ".toml"):
            out += _structured(path, suffix, text)
        else:
            out += _whitespace(path, text)
    return _python(ws, python) + out


def _json_formatted(text: str) -> str | None:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    except json.JSONDecodeError:
        return None


def _normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip().split("\n")) + "\n" if text.strip() else text


def format_files(ws: Workspace, paths: list[str] | None) -> list[str]:
    """Format ``paths`` (or every Python and JSON file); the paths whose content changed."""
    chosen = list(dict.fromkeys(paths)) if paths else [p for p in ws.files() if p.endswith((".py", ".pyi", ".json"))]
    targets = {path: ws.resolve(path) for path in chosen}
    with ws.lock():
        before = {path: t.read_bytes() for path, t in targets.items() if t.is_file() and t.stat().st_size <= MAX_FILE_BYTES}
        python = [str(targets[p]) for p in before if targets[p].suffix.lower() in (".py", ".pyi")]
        if python:
            _ruff(ws, "format", "--isolated", "--no-cache", "--", *python)
        for path, data in before.items():
            suffix = targets[path].suffix.lower()
            if suffix in (".py", ".pyi"):
                continue
            text = decode(data)
            formatted = _json_formatted(text) if suffix == ".json" else (_normalised(text) if paths else None)
            if formatted is not None and formatted != text:
                ws.put_bytes(targets[path], formatted.encode("utf-8"))
        return [path for path, data in before.items() if targets[path].read_bytes() != data]
