"""``/_twinstack/openapi.json``: the control plane's own document, complete, valid, and its bounds enforced."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from starlette.routing import Route
from starlette.testclient import TestClient

from twinstack.app import create_app
from twinstack.config import Settings
from twinstack.control.openapi import MAX_ADVANCE_S
from twinstack.control.plane import control_routes


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("control-openapi") / "state", services=["wayscloud"],
                        speed="instant", dns_port=0, mqtt_url="none", strict=True)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_document_is_valid_openapi_3_1(client: TestClient) -> None:
    answer = client.get("/_twinstack/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["components"]["schemas"]["FaultRequest"]["properties"]["service"]["enum"] == ["wayscloud"]


def test_every_control_route_is_in_the_document(client: TestClient) -> None:
    paths = client.get("/_twinstack/openapi.json").json()["paths"]
    for route in control_routes():
        assert isinstance(route, Route)
        path = re.sub(r"\{(\w+):path\}", r"{\1}", route.path)
        assert path in paths, path
        for method in route.methods or ():
            if method != "HEAD":
                assert method.lower() in paths[path], f"{method} {path}"


@pytest.mark.parametrize("seconds", [1e308, 315360000000, MAX_ADVANCE_S + 1, -1])
def test_a_clock_advance_beyond_the_declared_bound_is_400_naming_seconds(client: TestClient, seconds: float) -> None:
    answer = client.post("/_twinstack/clock/advance", json={"seconds": seconds})
    assert answer.status_code == 400
    assert answer.json()["field"] == "seconds"


def test_the_declared_maximum_itself_is_accepted(client: TestClient) -> None:
    document = client.get("/_twinstack/openapi.json").json()
    bound = document["paths"]["/_twinstack/clock/advance"]["post"]["requestBody"]["content"]["application/json"]
    assert bound["schema"]["properties"]["seconds"]["maximum"] == MAX_ADVANCE_S
    before = client.post("/_twinstack/clock/advance", json={"seconds": 0}).json()["now"]
    after = client.post("/_twinstack/clock/advance", json={"seconds": MAX_ADVANCE_S})
    assert after.status_code == 200
    assert int(after.json()["now"][:4]) - int(before[:4]) in (9, 10)



def test_a_method_a_control_path_does_not_take_is_405_naming_the_ones_it_does(client: TestClient) -> None:
    def allowed(answer: Any) -> set[str]:
        return {m.strip() for m in answer.headers["allow"].split(",")} - {"HEAD"}

    wrong = client.post("/_twinstack/console/api/info")
    assert (wrong.status_code, allowed(wrong)) == (405, {"GET"})
    wrong = client.put("/_twinstack/faults")
    assert (wrong.status_code, allowed(wrong)) == (405, {"DELETE", "GET", "POST"})
    assert client.post("/_twinstack/nosuchservice/control").status_code == 404


def test_the_compiler_serves_it_without_a_defect_as_it_does_the_seeds(client: TestClient, tmp_path: Path) -> None:
    from twinstack import lint

    path = tmp_path / "control.openapi.json"
    path.write_text(client.get("/_twinstack/openapi.json").text)
    [report] = lint.lint(str(path))
    assert report.defects == []
