"""The example pack, copied as its README says, is a served pack; the start-up checks refuse a bad copy."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

import twinstack.packs
from tests.conftest import tenant_credentials
from twinstack.config import Settings
from twinstack.engine.pack import discover_packs
from twinstack.errors import StartupError
from twinstack.runtime import Runtime

EXAMPLE = Path(twinstack.packs.__file__).parent / "_example"
SLUG = "notes"
API = f"/{SLUG}/v1/notes"
PROBLEM = "application/problem+json"

Copy = Callable[..., Path]


@pytest.fixture
def copy_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Copy]:
    """Factory: the README's steps 1 and 2 (copy the folder, name the slug), as a pack discovery finds."""
    packs = tmp_path / "packs"
    monkeypatch.setattr(twinstack.packs, "__path__", [*twinstack.packs.__path__, str(packs)])

    def copy(edit: Callable[[str], str] = lambda text: text) -> Path:
        folder = packs / SLUG
        shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__"))
        pack = folder / "pack.py"
        pack.write_text(edit(pack.read_text().replace('slug="example"', f'slug="{SLUG}"')))
        return folder

    yield copy
    for name in [m for m in sys.modules if m == f"twinstack.packs.{SLUG}" or m.startswith(f"twinstack.packs.{SLUG}.")]:
        del sys.modules[name]


@pytest.fixture
def notes(copy_example: Copy, make_client: Callable[..., TestClient]) -> tuple[TestClient, dict[str, str]]:
    copy_example()
    client = make_client(services=[SLUG])
    key = tenant_credentials(client)["credentials"][SLUG]["api_key"]
    return client, {"X-API-Key": key}


def _create(client: TestClient, headers: dict[str, str], **fields: Any) -> Any:
    return client.post(API, headers=headers, json=fields)


def test_the_example_itself_is_never_served() -> None:
    assert "example" not in {pack.slug for pack in discover_packs()}


def test_a_copy_serves_the_document_with_its_override(notes: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = notes
    created = _create(client, headers, title="Shopping List!", tag="home")
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["slug"] == "shopping-list" and note["title"] == "Shopping List!"
    assert client.get(f"{API}/{note['id']}", headers=headers).json() == note

    again = _create(client, headers, title="shopping  list")
    assert again.status_code == 409 and again.headers["content-type"].startswith(PROBLEM)
    assert again.json() == {"type": "about:blank", "title": "Conflict", "status": 409,
                            "detail": "A note with the slug shopping-list exists"}

    assert client.delete(f"{API}/{note['id']}", headers=headers).status_code == 204
    assert _create(client, headers, title="Shopping list").status_code == 201


def test_a_copy_lists_generically_filtered_and_paged(notes: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = notes
    ids = [_create(client, headers, title=f"n{i}", tag="work" if i % 2 else "home").json()["id"] for i in range(5)]
    first = client.get(f"{API}?tag=work&limit=1", headers=headers).json()
    assert [n["id"] for n in first["items"]] == [ids[1]] and first["next_cursor"] is not None
    rest = client.get(f"{API}?tag=work&limit=1&cursor={first['next_cursor']}", headers=headers).json()
    assert [n["id"] for n in rest["items"]] == [ids[3]] and rest.get("next_cursor") is None


def test_a_copy_answers_bad_input_in_its_style(notes: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = notes
    response = _create(client, headers, body="no title")
    assert response.status_code == 400 and response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 400 and "title" in problem["detail"]
    assert client.get(API).status_code == 401


def test_the_copy_is_reached_by_its_production_host(notes: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = notes
    response = client.post("/v1/notes", headers={**headers, "Host": "notes.example.test"}, json={"title": "via host"})
    assert response.status_code == 201, response.text


def test_a_handler_for_no_operation_of_the_document_fails_the_start(copy_example: Copy, tmp_path: Path) -> None:
    folder = copy_example()
    handlers = folder / "handlers" / "notes.py"
    handlers.write_text(handlers.read_text().replace('{"createNote": create_note}', '{"createNotes": create_note}'))
    with pytest.raises(StartupError, match="createNotes"):
        Runtime.build(Settings(data_dir=tmp_path / "state", services=[SLUG], speed="instant", dns_port=0))


def test_a_look_up_on_an_undeclared_field_fails_at_once(copy_example: Copy, make_client: Callable[..., TestClient]) -> None:
    copy_example(lambda text: text.replace("indexes={notes.COLLECTION: notes.INDEXED},", "indexes={},"))
    client = make_client(services=[SLUG])
    key = tenant_credentials(client)["credentials"][SLUG]["api_key"]
    with pytest.raises(LookupError, match="slug"):
        client.post(API, headers={"X-API-Key": key}, json={"title": "unindexed"})
