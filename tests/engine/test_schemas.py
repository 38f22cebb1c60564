"""A document's schemas as a client sees them enforced: compiled on first use, once per distinct schema.

One small ``--spec`` document (``DOCUMENT``) with no pack: a body written once
under ``paths`` and referred to from another operation, the same error body
and id parameter on several operations, and a read whose response is a
``oneOf`` with sibling keywords (the synthesiser merges each branch with them
at run time).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from twinstack.config import Settings
from twinstack.errors import StartupError
from twinstack.runtime import Runtime

SHAPE = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "maxLength": 5}, "sides": {"type": "integer", "minimum": 3}},
}
PROBLEM = {"description": "Bad input", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}}}}
POST_BODY = "#/paths/~1shapes/post/requestBody/content/application~1json/schema"
ID = {"name": "shape_id", "in": "path", "required": True, "schema": {"type": "string"}}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Shapes", "version": "1"},
    "servers": [{"url": "https://shapes.example.test/v1"}],
    "paths": {
        "/shapes": {
            "post": {
                "operationId": "createShape",
                "requestBody": {"required": True, "content": {"application/json": {"schema": SHAPE}}},
                "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": SHAPE}}},
                              "422": PROBLEM},
            },
            "get": {
                "operationId": "listShapes",
                "responses": {"200": {"description": "Shapes", "content": {"application/json": {
                    "schema": {"type": "array", "items": SHAPE}}}}, "422": PROBLEM},
            },
        },
        "/shapes/{shape_id}": {
            "put": {
                "operationId": "replaceShape",
                "parameters": [ID],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": POST_BODY}}}},
                "responses": {"200": {"description": "Replaced", "content": {"application/json": {"schema": SHAPE}}},
                              "404": PROBLEM, "422": PROBLEM},
            },
            "get": {
                "operationId": "getShape",
                "parameters": [ID],
                "responses": {"200": {"description": "A shape", "content": {"application/json": {"schema": SHAPE}}},
                              "404": PROBLEM, "422": PROBLEM},
            },
            "delete": {
                "operationId": "deleteShape",
                "parameters": [ID],
                "responses": {"204": {"description": "Deleted"}, "404": PROBLEM, "422": PROBLEM},
            },
        },
        "/palette": {
            "get": {
                "operationId": "getPalette",
                "responses": {"200": {"description": "The palette", "content": {"application/json": {"schema": {
                    "type": "object",
                    "description": "One colour, as hex or as RGB",
                    "oneOf": [
                        {"required": ["hex"], "additionalProperties": False,
                         "properties": {"hex": {"type": "string", "pattern": "^#[0-9a-f]{6}$"}}},
                        {"required": ["rgb"], "additionalProperties": False,
                         "properties": {"rgb": {"type": "array", "items": {"type": "integer"}}}},
                    ],
                }}}}, "422": PROBLEM},
            },
        },
    },
}
SHAPES = "/shapes/v1/shapes"


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "shapes.openapi.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def shapes(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    return make_client(specs=[str(write(tmp_path, DOCUMENT))], services=[])


def compiled(client: TestClient) -> int:
    """How many distinct schemas the twin has compiled so far."""
    return len(client.app.state.runtime.twins["shapes"].spec.validators)  # type: ignore[attr-defined]


def test_a_body_referred_to_under_paths_is_enforced_where_it_is_referred_to(shapes: TestClient) -> None:
    created = shapes.post(SHAPES, json={"name": "tri", "sides": 3})
    assert created.status_code == 201, created.text
    url = f"{SHAPES}/{created.json()['id']}"
    too_long = shapes.put(url, json={"name": "triangle"})
    assert too_long.status_code == 422 and "name" in too_long.json()["message"]
    too_few = shapes.put(url, json={"name": "line", "sides": 2})
    assert too_few.status_code == 422 and "sides" in too_few.json()["message"]
    replaced = shapes.put(url, json={"name": "quad", "sides": 4})
    assert replaced.status_code == 200 and replaced.json()["sides"] == 4


def test_schemas_are_compiled_on_first_use_once_each_not_once_per_request(shapes: TestClient) -> None:
    assert compiled(shapes) == 0, "nothing is compiled before it is needed"
    first = shapes.get("/shapes/v1/palette")
    assert first.status_code == 200
    palette = first.json()
    assert ("hex" in palette) != ("rgb" in palette)
    after_first = compiled(shapes)
    assert after_first > 0
    for _ in range(10):
        assert shapes.get("/shapes/v1/palette").json() == palette
    assert compiled(shapes) == after_first, "a branch merged at run time is compiled once, not per request"

    for _ in range(3):
        assert shapes.post(SHAPES, json={"name": 7}).status_code == 422
        assert shapes.get(f"{SHAPES}/nope").status_code == 404
    before = compiled(shapes)
    # deleteShape's id parameter and its 404 body are written as getShape's are: nothing new to compile.
    assert shapes.delete(f"{SHAPES}/nope").status_code == 404
    assert compiled(shapes) == before, "a schema already compiled for another operation is reused"


def test_a_schema_that_breaks_the_meta_schema_refuses_the_start(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(DOCUMENT))
    broken["paths"]["/shapes"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "type": "object", "properties": {"name": {"type": "strin"}},
    }
    settings = Settings(data_dir=tmp_path / "state", specs=[str(write(tmp_path, broken))], services=[],
                        speed="instant", dns_port=0)
    with pytest.raises(StartupError, match="schemas do not compile"):
        Runtime.build(settings)
