"""The engine's error styles, as a client of a twin that chose each one sees them.

One small document (``DOCUMENT``) is served by a pack declaring the style under
test; the plain style is what a ``--spec`` document gets with no pack at all.
Where pydantic is installed, the FastAPI style is checked against pydantic
itself, value for value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from twinstack import runtime
from twinstack.engine.error_styles import FastAPI, NestJS, Problem
from twinstack.engine.pack import ErrorRenderer, Pack

ID = "3f7a9c1e-0000-4000-8000-0000000000ff"
PATTERN = "^[a-z]+$"
THING = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 5, "pattern": PATTERN},
        "count": {"type": "integer", "minimum": 1, "maximum": 10},
        "step": {"type": "integer", "multipleOf": 5},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "ref": {"type": "string", "format": "uuid"},
        "when": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
        "labels": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
        "owner": {
            "type": "object", "additionalProperties": False,
            "properties": {"email": {"type": "string", "format": "email"}},
        },
    },
}
PROBLEM = {"content": {"application/problem+json": {"schema": {"type": "object"}}}, "description": "A problem"}
DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Things", "version": "1"},
    "servers": [{"url": "https://things.example.test/v1"}],
    "paths": {
        "/things": {
            "get": {
                "operationId": "listThings",
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
                "responses": {"200": {"description": "Things", "content": {"application/json": {
                    "schema": {"type": "array", "items": THING}}}}, "400": PROBLEM, "422": PROBLEM},
            },
            "post": {
                "operationId": "createThing",
                "requestBody": {"required": True, "content": {"application/json": {"schema": THING}}},
                "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": THING}}},
                              "400": PROBLEM, "422": PROBLEM},
            },
        },
        "/things/{thing_id}": {
            "get": {
                "operationId": "getThing",
                "parameters": [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "A thing", "content": {"application/json": {"schema": THING}}},
                              "409": {"description": "Not in a state to be read"}},
            },
        },
    },
}
THINGS = "/things/v1/things"


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "things.openapi.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    return path


@pytest.fixture
def serve(make_client: Any, document: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., TestClient]:
    """Factory: an in-process twin of ``DOCUMENT`` whose pack declares ``errors`` (and optionally more)."""

    def make(errors: ErrorRenderer, **declared: Any) -> TestClient:
        pack = Pack(slug="things", seed=document, errors=errors, **declared)
        monkeypatch.setattr(runtime, "load_packs", lambda settings: [pack])
        client: TestClient = make_client()
        return client

    return make


def create(client: TestClient, body: Any) -> Any:
    return client.post(THINGS, json=body)


# -- FastAPI ---------------------------------------------------------------------------------------------------

FASTAPI_CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("count", 11, {"type": "less_than_equal", "msg": "Input should be less than or equal to 10", "ctx": {"le": 10}}),
    ("count", 0, {"type": "greater_than_equal", "msg": "Input should be greater than or equal to 1", "ctx": {"ge": 1}}),
    ("count", "x", {"type": "int_parsing",
                    "msg": "Input should be a valid integer, unable to parse string as an integer"}),
    ("count", 2.5, {"type": "int_from_float",
                    "msg": "Input should be a valid integer, got a number with a fractional part"}),
    ("step", 7, {"type": "multiple_of", "msg": "Input should be a multiple of 5", "ctx": {"multiple_of": 5}}),
    ("name", "", {"type": "string_too_short", "msg": "String should have at least 1 character",
                  "ctx": {"min_length": 1}}),
    ("name", "abcdef", {"type": "string_too_long", "msg": "String should have at most 5 characters",
                        "ctx": {"max_length": 5}}),
    ("name", "ABC", {"type": "string_pattern_mismatch", "msg": f"String should match pattern '{PATTERN}'",
                     "ctx": {"pattern": PATTERN}}),
    ("name", 5, {"type": "string_type", "msg": "Input should be a valid string"}),
    ("kind", "c", {"type": "literal_error", "msg": "Input should be 'a' or 'b'", "ctx": {"expected": "'a' or 'b'"}}),
    ("ref", "nope", {"type": "uuid_parsing", "msg": "Input should be a valid UUID, invalid character: found `n` at 1",
                     "ctx": {"error": "invalid character: found `n` at 1"}}),
    ("ref", "123", {"type": "uuid_parsing",
                    "msg": "Input should be a valid UUID, invalid length: expected length 32 for simple format, found 3",
                    "ctx": {"error": "invalid length: expected length 32 for simple format, found 3"}}),
    ("ref", ID[:-1], {"type": "uuid_parsing",
                      "msg": "Input should be a valid UUID, invalid group length in group 4: expected 12, found 11",
                      "ctx": {"error": "invalid group length in group 4: expected 12, found 11"}}),
    ("when", "2024-02-30T00:00:00Z", {"type": "datetime_from_date_parsing",
                                      "msg": "Input should be a valid datetime or date, day value is outside expected range",
                                      "ctx": {"error": "day value is outside expected range"}}),
    ("when", "2024-1-31T00:00:00Z", {"type": "datetime_from_date_parsing",
                                     "msg": "Input should be a valid datetime or date, invalid character in month",
                                     "ctx": {"error": "invalid character in month"}}),
    ("tags", ["a", "b", "c"], {"type": "too_long", "msg": "List should have at most 2 items after validation, not 3",
                               "ctx": {"field_type": "List", "max_length": 2, "actual_length": 3}}),
    ("tags", "a", {"type": "list_type", "msg": "Input should be a valid list"}),
]


@pytest.mark.parametrize(("field", "value", "item"), FASTAPI_CASES, ids=[f"{f}={v!r}" for f, v, _ in FASTAPI_CASES])
def test_fastapi_words_a_bad_field_as_pydantic_does(
    serve: Callable[..., TestClient], field: str, value: Any, item: dict[str, Any]
) -> None:
    response = create(serve(FastAPI()), {"name": "ok", field: value})
    assert response.status_code == 422
    assert response.json() == {"detail": [{"loc": ["body", field], "input": value, **item}]}
    assert list(response.json()["detail"][0]) == ["type", "loc", "msg", "input", *(["ctx"] if "ctx" in item else [])]


def test_fastapi_names_a_missing_field_with_the_body_as_input_and_each_unexpected_one(
    serve: Callable[..., TestClient],
) -> None:
    body = {"count": 2, "colour": "red", "owner": {"email": "a@b.test", "age": 3}}
    response = create(serve(FastAPI()), body)
    assert response.status_code == 422
    assert sorted(response.json()["detail"], key=lambda item: item["loc"]) == [
        {"type": "extra_forbidden", "loc": ["body", "colour"], "msg": "Extra inputs are not permitted", "input": "red"},
        {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": body},
        {"type": "extra_forbidden", "loc": ["body", "owner", "age"], "msg": "Extra inputs are not permitted",
         "input": 3},
    ]


def test_fastapi_reports_a_field_once_with_the_constraint_pydantic_checks_first(
    serve: Callable[..., TestClient],
) -> None:
    response = create(serve(FastAPI()), {"name": "ABCDEFG"})
    assert [item["type"] for item in response.json()["detail"]] == ["string_too_long"]


def test_fastapi_items_carry_only_the_members_a_document_shows(serve: Callable[..., TestClient]) -> None:
    client = serve(FastAPI(members=("loc", "msg", "type"), enum_type="enum"))
    response = client.get(THINGS, params={"limit": 101})
    assert response.status_code == 422
    assert response.text == (
        '{"detail":[{"loc":["query","limit"],"msg":"Input should be less than or equal to 100",'
        '"type":"less_than_equal"}]}'
    )
    assert create(client, {"name": "ok", "kind": "c"}).json()["detail"] == [
        {"loc": ["body", "kind"], "msg": "Input should be 'a' or 'b'", "type": "enum"}
    ]


def test_fastapi_answers_other_errors_with_a_detail_text(serve: Callable[..., TestClient]) -> None:
    response = serve(FastAPI()).get(f"{THINGS}/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"detail": "No route for GET /things/nothing/here"}


def test_fastapi_matches_pydantic_itself(serve: Callable[..., TestClient]) -> None:
    pydantic = pytest.importorskip("pydantic")
    from datetime import datetime
    from typing import Annotated, Literal
    from uuid import UUID

    class Thing(pydantic.BaseModel):  # type: ignore[misc, name-defined]
        model_config = pydantic.ConfigDict(extra="forbid")
        name: Annotated[str, pydantic.StringConstraints(min_length=1, max_length=5, pattern=PATTERN)]
        count: Annotated[int, pydantic.Field(ge=1, le=10)] | None = None
        step: Annotated[int, pydantic.Field(multiple_of=5)] | None = None
        kind: Literal["a", "b"] | None = None
        ref: UUID | None = None
        when: datetime | None = None
        tags: Annotated[list[str], pydantic.Field(max_length=2)] | None = None

    client = serve(FastAPI())
    bodies = [{"name": "ok", field: value} for field, value, _ in FASTAPI_CASES]
    others = [
        {"count": 2, "colour": "red"}, {"name": "ABCDEFG", "kind": 1}, {"name": None}, {"name": "ok", "tags": ["a", 1]},
        {"name": "ok", "when": "x"}, {"name": "ok", "ref": "0000000-00000-4000-8000-000000000000"},
        {"name": "ok", "ref": "{00000000-0000-4000-8000-00000000000g}"}, {"name": "ok", "ref": "a-b-c"},
        {"name": "ok", "ref": "{x}"}, {"name": "ok", "ref": "urn:uuid:" + ID[:-1] + "-"},
    ]
    for body in [*bodies, *others]:
        with pytest.raises(pydantic.ValidationError) as refused:
            Thing.model_validate(body)
        expected = [{**e, "loc": ["body", *e["loc"]]} for e in refused.value.errors(include_url=False)]
        got = create(client, body).json()["detail"]
        assert sorted(got, key=lambda e: e["loc"]) == sorted(expected, key=lambda e: e["loc"]), body


# -- NestJS ----------------------------------------------------------------------------------------------------

def test_nestjs_lists_one_class_validator_message_per_broken_constraint(serve: Callable[..., TestClient]) -> None:
    body = {"count": 11, "kind": "c", "tags": ["a", 1], "labels": ["x", "x"], "colour": "red",
            "owner": {"email": "nobody", "age": 3}, "ref": "nope"}
    response = create(serve(NestJS()), body)
    assert response.status_code == 422
    assert response.json()["statusCode"] == 422 and response.json()["error"] == "Unprocessable Entity"
    assert sorted(response.json()["message"]) == sorted([
        "name should not be empty",
        "count must not be greater than 10",
        "kind must be one of the following values: a, b",
        "each value in tags must be a string",
        "All labels's elements must be unique",
        "property colour should not exist",
        "owner.property age should not exist",
        "owner.email must be an email",
        "ref must be a UUID",
    ])


def test_nestjs_answers_an_unknown_path_in_express_words(serve: Callable[..., TestClient]) -> None:
    response = serve(NestJS()).delete(f"{THINGS}/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "message": "Cannot DELETE /things/nothing/here", "error": "Not Found"}


def test_nestjs_refuses_unparseable_json_with_one_message(serve: Callable[..., TestClient]) -> None:
    response = serve(NestJS()).post(THINGS, content=b"{nope", headers={"Content-Type": "application/json"})
    body = response.json()
    assert (response.status_code, body["error"]) == (422, "Unprocessable Entity")
    assert isinstance(body["message"], str) and "JSON" in body["message"]


# -- RFC 9457 --------------------------------------------------------------------------------------------------

def test_problem_details_list_each_bad_input_by_pointer(serve: Callable[..., TestClient]) -> None:
    response = create(serve(Problem()), {"name": "ok", "count": 0, "owner": {"email": 5}})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {k: body[k] for k in ("type", "title", "status")} == {
        "type": "about:blank", "title": "Unprocessable Entity", "status": 422,
    }
    assert body["detail"].startswith("body.count: ")
    assert sorted(body["errors"], key=lambda e: e["pointer"]) == [
        {"detail": "0 is less than the minimum of 1", "pointer": "#/count"},
        {"detail": '5 is not of type "string"', "pointer": "#/owner/email"},
    ]


def test_problem_details_name_a_bad_parameter_and_the_problem_type(serve: Callable[..., TestClient]) -> None:
    client = serve(Problem(type_base="https://things.example.test/problems/"))
    response = client.get(THINGS, params={"limit": "many"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "https://things.example.test/problems/validation_error"
    assert body["errors"] == [{"detail": '"many" is not of type "integer"', "parameter": "limit"}]


# -- Plain, and the status fallback ----------------------------------------------------------------------------

def test_a_document_without_a_pack_answers_problem_details_where_it_declares_them(
    make_client: Any, document: Path
) -> None:
    client = make_client(specs=[str(document)], services=[])
    response = create(client, {"name": "ok", "count": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank", "title": "Unprocessable Entity", "status": 422,
        "detail": 'body.count: "x" is not of type "integer"',
        "errors": [{"detail": '"x" is not of type "integer"', "pointer": "#/count"}],
    }
    # Its 404 declares no body: the plain style.
    missing = client.get(f"{THINGS}/{ID}")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "message": f"Thing {ID} not found", "field": "thing_id"}


def test_a_declared_status_fallback_sends_the_declared_status_in_the_original_words(
    serve: Callable[..., TestClient],
) -> None:
    client = serve(FastAPI(), status_fallbacks={404: (409,)})
    response = client.get(f"{THINGS}/{ID}")
    assert response.status_code == 409
    assert "not found" in response.json()["detail"].lower()
