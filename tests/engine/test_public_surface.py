"""The CLI's options are all documented, and the public names stay what they are."""

from __future__ import annotations

import re
from pathlib import Path

import twinstack
import twinstack.errors
from twinstack.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_serve_option_is_documented_in_the_readme() -> None:
    serve = build_parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    options = {o for a in serve._actions for o in a.option_strings if o.startswith("--") and o != "--help"}
    documented = set(re.findall(r"`(--[a-z-]+)", README.read_text()))
    assert options - documented == set()


def test_exported_members() -> None:
    assert twinstack.__all__ == ["Twin", "__version__"]
    assert twinstack.Twin.__name__ == "Twin"
    assert set(twinstack.errors.__all__) == {
        "Conflict", "FieldIssue", "Forbidden", "MethodNotAllowed", "NotFound", "StartupError", "TwinError",
        "Unauthorized", "ValidationFailed",
    }
