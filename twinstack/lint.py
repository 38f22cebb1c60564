"""``twinstack lint [SLUG|PATH]``: the document defects the compiler works around, each at its JSON pointer.

The compiler collects a defect wherever a document cannot be served as written
(an undefined security scheme, a dangling ``$ref``, an example that contradicts
its schema) and serves a reasonable reading instead. ``twinstack serve`` only
counts them, one line per service; this command lists them. A built-in service
is compiled exactly as ``serve`` compiles it (its pack's document patches
applied), so both give the same count.

Exit status: 0 when no document has a defect, 1 when some has, 2 on bad usage
(an unknown slug, a file that cannot be read or is no OpenAPI 3.0/3.1 document).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from twinstack.errors import StartupError
from twinstack.spec.compiler import compile_spec
from twinstack.spec.loader import load_document
from twinstack.spec.model import ServiceSpec
from twinstack.spec.refs import escape

SPEC_LOGGER = "twinstack.spec"
"""The logger ``compile_spec`` writes one warning per defect to."""

_POINTED = re.compile(r"^(#/\S*): (.*)$", re.DOTALL)
_EXAMPLE = re.compile(r"^(\S+) (\S+) (\S+): (example contradicts its schema .*)$", re.DOTALL)
_REF = re.compile(r"\$ref '([^']*)'")


@dataclass(frozen=True, slots=True)
class Defect:
    pointer: str
    """JSON pointer into the document (``#/paths/~1pets/get/...``); empty when no place is known."""
    message: str


@dataclass(slots=True)
class Report:
    slug: str
    source: str
    defects: list[Defect]

    def as_json(self) -> dict[str, Any]:
        return {"service": self.slug, "source": self.source,
                "defects": [{"pointer": d.pointer, "message": d.message} for d in self.defects]}


class UsageError(Exception):
    """The argument names no built-in service and no readable OpenAPI document."""


def add_parser(sub: Any) -> None:
    """The ``lint`` sub-command of ``twinstack``'s parser (``sub`` is its ``add_subparsers`` result)."""
    lint = sub.add_parser("lint", help="list the document defects the twin works around, with JSON pointers")
    lint.add_argument("target", nargs="?", metavar="SLUG|PATH",
                      help="a built-in service or an OpenAPI 3.0/3.1 document (default: every built-in service)")
    lint.add_argument("--json", action="store_true", help="one JSON object on stdout instead of lines")


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        reports = lint(args.target)
    except UsageError as exc:
        print(f"twinstack lint: {exc}", file=err)
        return 2
    if args.json:
        total = sum(len(r.defects) for r in reports)
        json.dump({"services": [r.as_json() for r in reports], "total": total}, out, indent=2)
        out.write("\n")
    else:
        for report in reports:
            for defect in report.defects:
                where = f"{defect.pointer}: " if defect.pointer else ""
                print(f"{report.slug}: {where}{defect.message}", file=out)
            # The summary goes to stderr so that stdout stays one defect per line.
            print(f"{report.slug}: {count_phrase(len(report.defects))} ({report.source})", file=err)
    return 1 if any(r.defects for r in reports) else 0


def count_phrase(count: int) -> str:
    if count == 0:
        return "no document defects"
    return f"{count} document defect{'s' if count != 1 else ''} worked around"


def lint(target: str | None) -> list[Report]:
    """Reports for ``target``: a built-in slug, a document path, or (None) every built-in service."""
    from twinstack.engine.pack import discover_packs

    packs = {p.slug: p for p in discover_packs()}
    if target is None:
        return [_report(p.slug, p.seed, p.patch_document, p.base_path) for p in packs.values()]
    if target in packs:
        pack = packs[target]
        return [_report(pack.slug, pack.seed, pack.patch_document, pack.base_path)]
    path = Path(target)
    if not path.is_file():
        raise UsageError(f"{target!r} is neither a built-in service ({', '.join(packs)}) nor a file")
    return [_report(slug_for(path), path, None, None)]


def slug_for(path: Path) -> str:
    """The slug ``serve --spec PATH`` gives a document without one."""
    from twinstack.runtime import _slug_from

    return _slug_from(path)


def _report(slug: str, seed: Path, patch: Callable[[dict[str, Any]], None] | None, base_path: str | None) -> Report:
    try:
        doc = load_document(seed)
        if patch is not None:
            patch(doc)
        raw = json.loads(json.dumps(doc, default=str))
        with _quiet(SPEC_LOGGER):
            spec = compile_spec(doc, slug, str(seed), base_path)
    except StartupError as exc:
        raise UsageError(str(exc)) from exc
    return Report(slug, str(seed), [locate(d, spec, raw) for d in spec.defects])


class _quiet:
    """The spec logger held back while compiling: this command prints the defects itself."""

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)
        self.level = self.logger.level

    def __enter__(self) -> None:
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *_exc: object) -> None:
        self.logger.setLevel(self.level)


def locate(defect: str, spec: ServiceSpec, raw: dict[str, Any]) -> Defect:
    """The defect's place in the document: given, derived from the operation it names, or found by its ``$ref``."""
    if match := _POINTED.match(defect):
        return Defect(match.group(1), match.group(2))
    if match := _EXAMPLE.match(defect):
        op_id, status, media, message = match.groups()
        op = spec.by_id().get(op_id)
        if op is not None:
            where = f"#/paths/{escape(op.path)}/{op.method.lower()}/responses/{status}/content/{escape(media)}"
            content = _get(raw, where)
            if isinstance(content, dict) and "example" in content:
                where += "/example"
            return Defect(where, f"{message} [{op_id}]")
    prefix = f"{spec.source}: "
    message = defect.removeprefix(prefix)
    if (ref := _REF.search(message)) is not None:
        places = list(_refs_to(raw, ref.group(1)))
        if places:
            more = f" (and {len(places) - 1} other place{'s' if len(places) > 2 else ''})" if len(places) > 1 else ""
            return Defect(places[0], message + more)
    return Defect("", message)


def _get(doc: Any, pointer: str) -> Any:
    node = doc
    for part in pointer.lstrip("#/").split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _refs_to(doc: Any, ref: str) -> Iterator[str]:
    """Pointers of every object in ``doc`` whose ``$ref`` is ``ref``, in document order."""
    stack: list[tuple[str, Any]] = [("#", doc)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            if node.get("$ref") == ref:
                yield where
            stack.extend((f"{where}/{escape(str(k))}", v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((f"{where}/{i}", v) for i, v in reversed(list(enumerate(node))))
