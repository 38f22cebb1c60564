"""A terminal that is never a shell on the host: a small command set in Python, confined to the workspace.

Upstream spawns the requested shell with the server's whole environment. The
twin spawns nothing. A terminal is a record (shell, working folder, the
client's ``env``) and, for tests and demos, ``run(ws, state, line)`` executes one
command line of this set against the workspace:

    pwd, cd DIR, ls [-a] [PATH...], cat FILE..., echo WORD..., head/tail [-n N] FILE,
    wc [-l] FILE..., grep [-i] [-n] [-F] PATTERN [PATH...], mkdir [-p] DIR..., touch FILE...,
    rm FILE..., mv SRC DST, env, exit

Words are split as a POSIX shell would (``shlex``), ``$NAME`` / ``${NAME}`` expand
from the terminal's own ``env`` only (never the twin's), pipes, redirections,
command lists and substitutions are refused, and ``*`` is taken literally. Every path goes through
the workspace guard, so nothing outside the project is read or written. Output
is cut at ``MAX_OUTPUT`` bytes and a command line at ``MAX_LINE`` characters.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from twinstack.packs.g4fagent.errors import ApiError
from twinstack.packs.g4fagent.search import TIME_BUDGET
from twinstack.packs.g4fagent.workspace import MAX_FILE_BYTES, Workspace, decode

MAX_LINE = 4096
MAX_OUTPUT = 64 * 1024
_OPERATORS = re.compile(r"[|;&<>`]|\$\(")
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass(slots=True)
class Session:
    """What a command may read and change: the working folder (relative to the workspace) and the env."""

    cwd: str = "."
    env: dict[str, str] = field(default_factory=dict)
    exited: bool = False


@dataclass(slots=True)
class Result:
    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0


class _Refused(Exception):
    """A command's own failure: its message goes to stderr and the exit code is 1 (2 for usage)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _join(cwd: str, path: str) -> str:
    return path if cwd in ("", ".") else f"{cwd}/{path}"


def _target(ws: Workspace, session: Session, path: str) -> Path:
    try:
        return ws.resolve(_join(session.cwd, path), allow_root=True)
    except ApiError as error:
        raise _Refused(f"{path}: {error.message}") from error


def _flags(args: list[str], known: str, valued: str = "") -> tuple[set[str], dict[str, str], list[str]]:
    flags: set[str] = set()
    values: dict[str, str] = {}
    rest: list[str] = []
    words = iter(args)
    for word in words:
        if word.startswith("-") and len(word) > 1 and not rest:
            for letter in word[1:]:
                if letter in valued:
                    values[letter] = next(words, "")
                elif letter in known:
                    flags.add(letter)
                else:
                    raise _Refused(f"invalid option -- '{letter}'", 2)
        else:
            rest.append(word)
    return flags, values, rest


def _text_of(ws: Workspace, session: Session, path: str) -> str:
    target = _target(ws, session, path)
    if target.is_dir():
        raise _Refused(f"{path}: Is a directory")
    if not target.is_file():
        raise _Refused(f"{path}: No such file or directory")
    if target.stat().st_size > MAX_FILE_BYTES:
        raise _Refused(f"{path}: File too large")
    return decode(target.read_bytes())


def _count(values: dict[str, str]) -> int:
    try:
        return max(int(values.get("n", "10")), 0)
    except ValueError as exc:
        raise _Refused(f"invalid number of lines: {values.get('n')!r}", 2) from exc


def _pwd(ws: Workspace, s: Session, args: list[str]) -> str:
    # Relative to the workspace, shown as its root: the host's own path is none of the terminal's business.
    return "/" if s.cwd in ("", ".") else f"/{s.cwd}"


def _cd(ws: Workspace, s: Session, args: list[str]) -> str:
    target = _target(ws, s, args[0]) if args else ws.root.resolve()
    if not target.is_dir():
        raise _Refused(f"cd: {args[0]}: Not a directory")
    s.cwd = ws.relative(target) or "."
    return ""


def _ls(ws: Workspace, s: Session, args: list[str]) -> str:
    flags, _, paths = _flags(args, "al1")
    lines: list[str] = []
    for path in paths or ["."]:
        target = _target(ws, s, path)
        if target.is_file():
            lines.append(path)
            continue
        if not target.is_dir():
            raise _Refused(f"ls: cannot access '{path}': No such file or directory", 2)
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in target.iterdir()
                       if p.name != ".git" and ("a" in flags or not p.name.startswith(".")))
        lines += ([f"{path}:"] if len(paths) > 1 else []) + names
    return "\n".join(lines)


def _cat(ws: Workspace, s: Session, args: list[str]) -> str:
    return "".join(_text_of(ws, s, path) for path in args)


def _echo(ws: Workspace, s: Session, args: list[str]) -> str:
    return " ".join(args)


def _head(ws: Workspace, s: Session, args: list[str]) -> str:
    _, values, paths = _flags(args, "", "n")
    return "".join("".join(_text_of(ws, s, p).splitlines(keepends=True)[:_count(values)]) for p in paths)


def _tail(ws: Workspace, s: Session, args: list[str]) -> str:
    _, values, paths = _flags(args, "", "n")
    n = _count(values)
    return "".join("".join(_text_of(ws, s, p).splitlines(keepends=True)[-n:] if n else []) for p in paths)


def _wc(ws: Workspace, s: Session, args: list[str]) -> str:
    flags, _, paths = _flags(args, "lwc")
    out = []
    for path in paths:
        content = _text_of(ws, s, path)
        counts = {"l": content.count("\n"), "w": len(content.split()), "c": len(content.encode())}
        shown = [str(counts[k]) for k in "lwc" if k in flags] if flags else [str(counts[k]) for k in "lwc"]
        out.append(" ".join([*shown, path]))
    return "\n".join(out)


def _grep(ws: Workspace, s: Session, args: list[str]) -> str:
    flags, _, rest = _flags(args, "inF")
    if not rest:
        raise _Refused("usage: grep [-i] [-n] [-F] PATTERN [PATH...]", 2)
    pattern_text, paths = rest[0], rest[1:] or ["."]
    import regex  # on first use, as in ``search``

    try:
        pattern = regex.compile(regex.escape(pattern_text) if "F" in flags else pattern_text,
                                regex.IGNORECASE if "i" in flags else 0)
    except regex.error as exc:
        raise _Refused(f"grep: invalid pattern: {exc}", 2) from exc
    files: list[str] = []
    for path in paths:
        target = _target(ws, s, path)
        if target.is_dir():
            prefix = ws.relative(target)
            files += [name for name in ws.files() if not prefix or name.startswith(prefix + "/")]
        elif target.is_file():
            files.append(ws.relative(target))
        else:
            raise _Refused(f"grep: {path}: No such file or directory", 2)
    out: list[str] = []
    for name in files:
        try:
            content = _text_of(ws, Session(), name)
        except _Refused:
            continue
        for number, line in enumerate(content.splitlines(), start=1):
            try:
                if pattern.search(line, timeout=TIME_BUDGET):
                    out.append(f"{name}:{number}:{line}" if "n" in flags else f"{name}:{line}")
            except TimeoutError as exc:
                raise _Refused("grep: pattern took too long", 2) from exc
    if not out:
        raise _Refused("", 1)
    return "\n".join(out)


def _mkdir(ws: Workspace, s: Session, args: list[str]) -> str:
    flags, _, paths = _flags(args, "p")
    for path in paths:
        target = _target(ws, s, path)
        if target.exists() and "p" not in flags:
            raise _Refused(f"mkdir: cannot create directory '{path}': File exists")
        target.mkdir(parents="p" in flags, exist_ok="p" in flags)
    return ""


def _touch(ws: Workspace, s: Session, args: list[str]) -> str:
    for path in args:
        target = _target(ws, s, path)
        if not target.parent.is_dir():
            raise _Refused(f"touch: cannot touch '{path}': No such file or directory")
        target.touch()
    return ""


def _rm(ws: Workspace, s: Session, args: list[str]) -> str:
    for path in args:
        target = _target(ws, s, path)
        if target.is_dir():
            raise _Refused(f"rm: cannot remove '{path}': Is a directory")
        if not target.is_file():
            raise _Refused(f"rm: cannot remove '{path}': No such file or directory")
        target.unlink()
    return ""


def _mv(ws: Workspace, s: Session, args: list[str]) -> str:
    if len(args) != 2:
        raise _Refused("usage: mv SRC DST", 2)
    try:
        ws.move(_join(s.cwd, args[0]), _join(s.cwd, args[1]))
    except ApiError as error:
        raise _Refused(f"mv: {error.message}") from error
    return ""


def _env(ws: Workspace, s: Session, args: list[str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in sorted(s.env.items()))


def _exit(ws: Workspace, s: Session, args: list[str]) -> str:
    s.exited = True
    return ""


COMMANDS: dict[str, Callable[[Workspace, Session, list[str]], str]] = {
    "pwd": _pwd, "cd": _cd, "ls": _ls, "cat": _cat, "echo": _echo, "head": _head, "tail": _tail, "wc": _wc,
    "grep": _grep, "mkdir": _mkdir, "touch": _touch, "rm": _rm, "mv": _mv, "env": _env, "exit": _exit,
}


def _expand(word: str, env: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), ""), word)


def run(ws: Workspace, session: Session, line: str) -> Result:
    """Run one command line; the session's ``cwd``/``exited`` change as the command says."""
    if len(line) > MAX_LINE:
        return Result(stderr=f"command line longer than {MAX_LINE} characters", exit_code=2)
    if _OPERATORS.search(line):
        return Result(stderr="pipes, redirections, command lists and substitutions are not supported", exit_code=2)
    try:
        words = [_expand(word, session.env) for word in shlex.split(line)]
    except ValueError as exc:
        return Result(stderr=f"syntax error: {exc}", exit_code=2)
    if not words:
        return Result()
    command = COMMANDS.get(words[0])
    if command is None:
        return Result(stderr=f"{words[0]}: command not found", exit_code=127)
    try:
        out = command(ws, session, words[1:])
    except _Refused as refused:
        return Result(stderr=str(refused), exit_code=refused.code)
    except OSError as exc:
        return Result(stderr=f"{words[0]}: {exc.strerror or exc}", exit_code=1)
    if out and not out.endswith("\n"):
        out += "\n"
    data = out.encode("utf-8")
    if len(data) > MAX_OUTPUT:
        out = data[:MAX_OUTPUT].decode("utf-8", "ignore") + "\n[output truncated]\n"
    return Result(stdout=out)
