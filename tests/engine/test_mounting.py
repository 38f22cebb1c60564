"""Meta-tests: every seed operation is mounted and routed to itself; the resource map is stable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from twinstack.engine.inference import describe, infer
from twinstack.engine.pack import discover_packs
from twinstack.engine.routing import Router
from twinstack.spec.compiler import compile_spec
from twinstack.spec.loader import load_document

PACKS = {p.slug: p for p in discover_packs()}
SNAPSHOTS = Path(__file__).parent / "snapshots"
EXPECTED_OPERATIONS = {"wayscloud": 240, "polykomos": 22, "odin": 117, "bluelobster": 41, "g4fagent": 81}


def compiled(slug: str):  # type: ignore[no-untyped-def]
    pack = PACKS[slug]
    return compile_spec(load_document(pack.seed), slug, str(pack.seed), pack.base_path)


def test_all_501_seed_operations_are_found() -> None:
    counts = {slug: len(compiled(slug).operations) for slug in EXPECTED_OPERATIONS}
    assert counts == EXPECTED_OPERATIONS
    assert sum(counts.values()) == 501


@pytest.mark.parametrize("slug", sorted(EXPECTED_OPERATIONS))
def test_every_operation_routes_to_itself(slug: str) -> None:
    spec = compiled(slug)
    router = Router(spec.operations)
    for op in spec.operations:
        concrete = re.sub(r"\{[^}]+\}", "x1", op.path)
        match = router.match(op.method, concrete)
        assert match is not None and match.operation is not None, f"{op.method} {op.path} is not routed"
        # A literal sibling may legitimately win for the placeholder value, but never another template.
        if match.operation is not op:
            assert "x1" not in concrete or match.operation.path.count("{") < op.path.count("{"), (op.path, match.operation.path)


def test_literal_segments_win_over_templates() -> None:
    bl = Router(compiled("bluelobster").operations)
    m = bl.match("GET", "/api/v1/instances/templates")
    assert m is not None and m.operation is not None and m.operation.path == "/api/v1/instances/templates"
    m = bl.match("GET", "/api/v1/instances/3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert m is not None and m.operation is not None and m.operation.path == "/api/v1/instances/{instance_id}"
    ways = Router(compiled("wayscloud").operations)
    plans_slash = ways.match("GET", "/v1/vps/plans/")
    plans_bare = ways.match("GET", "/v1/vps/plans")
    assert plans_slash is not None and plans_slash.operation is not None
    assert plans_bare is not None and plans_bare.operation is plans_slash.operation


@pytest.mark.parametrize("slug", sorted(EXPECTED_OPERATIONS))
def test_inferred_resource_map_matches_snapshot(slug: str) -> None:
    """The inference is data: a change to it shows up here as a reviewable diff."""
    text = "\n".join(describe(infer(compiled(slug).operations))) + "\n"
    snapshot = SNAPSHOTS / f"{slug}.txt"
    if not snapshot.exists():
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(text)
    assert text == snapshot.read_text()


def test_seed_files_are_vendored_unchanged() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    if not shared.exists():
        pytest.skip("the shared seed folder is not beside this checkout")
    names = {"odin": "odin-cortex.openapi.json"}
    for slug, pack in PACKS.items():
        original = shared / names.get(slug, pack.seed.name)
        assert pack.seed.read_bytes() == original.read_bytes(), slug
