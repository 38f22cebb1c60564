"""``twinstack lint`` and the start-up count of document defects, through the command line as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, LiveServer
from twinstack.engine.pack import discover_packs
from twinstack.spec.loader import load_document

TRAIN_TRAVEL = ROOT / "tests" / "data" / "corpus" / "train-travel.openapi.yaml"
PETSTORE3 = ROOT / "tests" / "data" / "corpus" / "petstore3.openapi.yaml"


def lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "twinstack", "lint", *args], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def resolve(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for part in pointer.removeprefix("#/").split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def served_document(slug: str) -> dict[str, Any]:
    """The built-in service's document as ``serve`` compiles it (its pack's patches applied)."""
    pack = next(p for p in discover_packs() if p.slug == slug)
    document = load_document(pack.seed)
    if pack.patch_document is not None:
        pack.patch_document(document)
    return document


def test_lint_lists_every_defect_of_a_built_in_service_at_a_pointer_that_exists() -> None:
    done = lint("wayscloud")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 22
    document = served_document("wayscloud")
    for line in lines:
        slug, pointer, message = line.split(": ", 2)
        assert slug == "wayscloud" and pointer.startswith("#/paths/") and message
        resolve(document, pointer)
    assert ("wayscloud: #/paths/~1v1~1verify~1start/post/security: scheme 'BearerAuth' is not defined; "
            "read as http bearer") in lines
    assert done.stderr.splitlines()[-1].startswith("wayscloud: 22 document defects worked around (")


def test_an_example_that_contradicts_its_schema_is_pointed_at_in_the_document() -> None:
    report = json.loads(lint("wayscloud", "--json").stdout)
    (service,) = report["services"]
    pointers = {d["pointer"] for d in service["defects"]}
    example = "#/paths/~1v1~1verify~1status~1{session_id}/get/responses/200/content/application~1json/example"
    assert example in pointers
    assert resolve(served_document("wayscloud"), example) is not None


def test_a_service_without_defects_exits_0_and_prints_nothing_on_stdout() -> None:
    done = lint("bluelobster")
    assert (done.returncode, done.stdout) == (0, "")
    assert "bluelobster: no document defects" in done.stderr


def test_a_document_path_is_linted_and_a_defect_without_a_pointer_is_found_by_its_ref() -> None:
    done = lint(str(TRAIN_TRAVEL), "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["total"] == 1
    (service,) = report["services"]
    assert (service["service"], service["source"]) == ("train-travel", str(TRAIN_TRAVEL))
    assert service["defects"] == [{"pointer": "#/x-topics/0/content",
                                   "message": "external $ref './docs/getting-started.md' is not fetched; "
                                              "treated as empty"}]
    assert resolve(load_document(TRAIN_TRAVEL), "#/x-topics/0/content") == {"$ref": "./docs/getting-started.md"}


def test_a_sound_document_exits_0() -> None:
    done = lint(str(PETSTORE3), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"services": [{"service": "petstore3", "source": str(PETSTORE3),
                                                     "defects": []}], "total": 0}


def test_without_an_argument_every_built_in_service_is_linted() -> None:
    done = lint("--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    counts = {s["service"]: len(s["defects"]) for s in report["services"]}
    assert set(counts) == {p.slug for p in discover_packs()}
    assert counts["wayscloud"] == 22 and report["total"] == sum(counts.values())


@pytest.mark.parametrize("args", [("no-such-service",), ("wayscloud", "odin"), ("--no-such-flag",)])
def test_bad_usage_exits_2(args: tuple[str, ...]) -> None:
    done = lint(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr


def test_a_file_that_is_no_openapi_document_exits_2(tmp_path: Path) -> None:
    other = tmp_path / "notes.yaml"
    other.write_text("title: not an API\n", encoding="utf-8")
    done = lint(str(other))
    assert done.returncode == 2 and "not an OpenAPI 3.x document" in done.stderr


@pytest.mark.slow
def test_serve_prints_one_count_line_per_service_instead_of_a_warning_per_defect(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "state", ["--services", "wayscloud", "--spec", f"{TRAIN_TRAVEL}:trains"])
    server.start()
    try:
        assert server.http().get("/_twinstack/health").status_code == 200
    finally:
        server.stop()
    assert server.log_path is not None
    output = server.log_path.read_text(encoding="utf-8").splitlines()
    assert "wayscloud: 22 document defects worked around; `twinstack lint wayscloud` lists them" in output
    assert (f"trains: 1 document defect worked around; `twinstack lint {TRAIN_TRAVEL}` lists them") in output
    assert not [line for line in output if "twinstack.spec" in line or "is not defined; read as" in line]
