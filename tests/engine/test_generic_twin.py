"""Any OpenAPI document becomes a stateful twin: the Petstore test document, end to end."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import httpx

from tests.conftest import tenant_credentials

PETSTORE = Path(__file__).resolve().parent.parent / "data" / "petstore.yaml"


@pytest.fixture
def petstore(any_client: httpx.Client) -> httpx.Client:
    return any_client


def key_of(c: httpx.Client, tenant: str = "default") -> dict[str, str]:
    creds = c.get(f"/_twinstack/tenants/{tenant}").json()["credentials"]["petstore"]
    return {"X-API-Key": creds["api_key"]}


def test_create_read_list_update_delete_then_404(petstore: httpx.Client) -> None:
    h = key_of(petstore)
    created = petstore.post("/petstore/v2/pets", json={"name": "Rex", "tag": "dog", "age": 3}, headers=h)
    assert created.status_code == 201
    pet = created.json()
    assert pet["name"] == "Rex" and pet["tag"] == "dog" and pet["age"] == 3
    assert isinstance(pet["id"], int) and pet["created_at"].endswith("Z")

    # --speed instant: the pending state is settled by the next read.
    assert pet["status"] == "pending"
    read = petstore.get(f"/petstore/v2/pets/{pet['id']}", headers=h).json()
    assert read == {**pet, "status": "available"}
    pet = read
    listed = petstore.get("/petstore/v2/pets", headers=h).json()
    assert [p["id"] for p in listed] == [pet["id"]]

    patched = petstore.patch(f"/petstore/v2/pets/{pet['id']}", json={"age": 4}, headers=h).json()
    assert patched["age"] == 4 and patched["name"] == "Rex" and patched["id"] == pet["id"]
    replaced = petstore.put(f"/petstore/v2/pets/{pet['id']}", json={"name": "Max"}, headers=h).json()
    assert replaced["name"] == "Max" and "tag" not in replaced and replaced["id"] == pet["id"]
    assert replaced["created_at"] == pet["created_at"]

    assert petstore.delete(f"/petstore/v2/pets/{pet['id']}", headers=h).status_code == 204
    assert petstore.get(f"/petstore/v2/pets/{pet['id']}", headers=h).status_code == 404
    assert petstore.delete(f"/petstore/v2/pets/{pet['id']}", headers=h).status_code == 404
    assert petstore.get("/petstore/v2/pets", headers=h).json() == []


def _private_keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for k in value if k.startswith("_")] + [k for v in value.values() for k in _private_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _private_keys(v)]
    return []


def test_replies_keep_strings_that_look_private_and_show_no_private_key(petstore: httpx.Client) -> None:
    """What the twin keeps for itself (``_``-prefixed keys) never shows, however the reply is made; a client's
    text that merely looks like such a key (``"_x``) comes back exactly as sent."""
    h = key_of(petstore)
    names = ['"_quoted"', "_leading", 'a "_b" c', "plain"]
    ids = []
    for name in names:
        created = petstore.post("/petstore/v2/pets", json={"name": name, "tag": '\\"_' + name}, headers=h)
        assert created.status_code == 201, created.text
        assert created.json()["name"] == name and _private_keys(created.json()) == []
        ids.append(created.json()["id"])
    for pet_id, name in zip(ids, names):
        read = petstore.get(f"/petstore/v2/pets/{pet_id}", headers=h).json()
        assert read["name"] == name and read["tag"] == '\\"_' + name
        assert _private_keys(read) == []
    listed = petstore.get("/petstore/v2/pets", headers=h).json()
    assert [p["name"] for p in listed] == names
    assert _private_keys(listed) == []


def test_list_honours_filters_and_limit(petstore: httpx.Client) -> None:
    h = key_of(petstore)
    for name, tag in (("a", "cat"), ("b", "dog"), ("c", "cat")):
        assert petstore.post("/petstore/v2/pets", json={"name": name, "tag": tag}, headers=h).status_code == 201
    cats = petstore.get("/petstore/v2/pets?tag=cat", headers=h).json()
    assert [p["name"] for p in cats] == ["a", "c"]
    assert len(petstore.get("/petstore/v2/pets?limit=2", headers=h).json()) == 2


def test_bad_input_names_the_field(petstore: httpx.Client) -> None:
    h = key_of(petstore)
    missing = petstore.post("/petstore/v2/pets", json={"tag": "x"}, headers=h)
    assert missing.status_code == 400
    assert "name" in missing.json()["message"]
    bad_type = petstore.post("/petstore/v2/pets", json={"name": "x", "age": "old"}, headers=h)
    assert bad_type.status_code == 400 and "age" in bad_type.json()["message"]
    too_old = petstore.post("/petstore/v2/pets", json={"name": "x", "age": 100}, headers=h)
    assert too_old.status_code == 400, "3.0 boolean exclusiveMaximum must be enforced"
    assert petstore.post("/petstore/v2/pets", json={"name": "x", "tag": None}, headers=h).status_code == 201
    bad_json = petstore.post("/petstore/v2/pets", content=b"{nope", headers={**h, "Content-Type": "application/json"})
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["message"]
    # getPet declares no 400: a malformed id names no pet, so it is the declared 404, naming the field.
    bad_path = petstore.get("/petstore/v2/pets/not-a-number", headers=h)
    assert bad_path.status_code == 404 and "petId" in bad_path.json()["message"]
    bad_patch = petstore.patch("/petstore/v2/pets/not-a-number", json={"age": 1}, headers=h)
    assert bad_patch.status_code == 400 and "petId" in bad_patch.json()["message"]


def test_credentials_are_required_and_checked(petstore: httpx.Client) -> None:
    assert petstore.get("/petstore/v2/pets").status_code == 401
    assert petstore.get("/petstore/v2/pets", headers={"X-API-Key": "wrong"}).status_code == 401


def test_unknown_path_is_404_and_wrong_method_is_405_with_allow(petstore: httpx.Client) -> None:
    h = key_of(petstore)
    assert petstore.get("/petstore/v2/owners", headers=h).status_code == 404
    wrong = petstore.post("/petstore/v2/pets/1", json={}, headers=h)
    assert wrong.status_code == 405
    assert set(wrong.headers["allow"].split(", ")) == {"DELETE", "GET", "PATCH", "PUT"}


def test_tenants_never_see_each_other(petstore: httpx.Client) -> None:
    mine = key_of(petstore)
    other = {"X-API-Key": tenant_credentials(petstore)["credentials"]["petstore"]["api_key"]}
    pet = petstore.post("/petstore/v2/pets", json={"name": "Mine"}, headers=mine).json()
    assert petstore.get(f"/petstore/v2/pets/{pet['id']}", headers=other).status_code == 404
    assert petstore.get("/petstore/v2/pets", headers=other).json() == []
    assert petstore.delete(f"/petstore/v2/pets/{pet['id']}", headers=other).status_code == 404
    assert petstore.get(f"/petstore/v2/pets/{pet['id']}", headers=mine).status_code == 200


def test_trailing_slash_is_tolerated(petstore: httpx.Client) -> None:
    h = key_of(petstore)
    assert petstore.get("/petstore/v2/pets/", headers=h).status_code == 200


def test_production_host_header_reaches_the_twin_without_prefix(petstore: httpx.Client) -> None:
    h = {**key_of(petstore), "Host": "petstore.example.com"}
    assert petstore.get("/v2/pets", headers=h).status_code == 200


def test_nullable_union_reports_the_real_constraint(petstore: httpx.Client) -> None:
    h = key_of(petstore)
    short = petstore.post("/petstore/v2/pets", json={"name": "x", "tag": 5}, headers=h)
    assert short.status_code == 400
    assert "tag" in short.json()["message"] and "string" in short.json()["message"]


def test_generic_lifecycle_settles_on_the_twin_clock(make_client: Any) -> None:
    """A status enum with a pending and a settled state becomes a timed lifecycle."""
    c = make_client(services=[], specs=[f"{PETSTORE}:petstore"], speed="realistic")
    h = key_of(c)
    pet = c.post("/petstore/v2/pets", json={"name": "Slow"}, headers=h).json()
    assert pet["status"] == "pending"
    assert c.get(f"/petstore/v2/pets/{pet['id']}", headers=h).json()["status"] == "pending"
    c.post("/_twinstack/clock/advance", json={"seconds": 31})
    assert c.get(f"/petstore/v2/pets/{pet['id']}", headers=h).json()["status"] == "available"
    assert c.get("/petstore/v2/pets", headers=h).json()[0]["status"] == "available"


def test_a_polled_resource_changes_with_time_alone_and_with_each_write(make_client: Any) -> None:
    """Polling is answered as the state is now: a lifecycle moves on with no write, and every write shows."""
    c = make_client(services=[], specs=[f"{PETSTORE}:petstore"], speed="fast")
    h = key_of(c)
    started = time.monotonic()
    pet = c.post("/petstore/v2/pets", json={"name": "Slow"}, headers=h).json()
    for _ in range(3):
        assert c.get(f"/petstore/v2/pets/{pet['id']}", headers=h).json()["status"] == "pending"
        assert [p["status"] for p in c.get("/petstore/v2/pets", headers=h).json()] == ["pending"]
    # At --speed fast the 30 s pending state lasts 3 s of wall time.
    time.sleep(max(0.0, 3.3 - (time.monotonic() - started)))
    assert c.get(f"/petstore/v2/pets/{pet['id']}", headers=h).json()["status"] == "available"
    assert [p["status"] for p in c.get("/petstore/v2/pets", headers=h).json()] == ["available"]
    for _ in range(2):
        assert [p.get("age") for p in c.get("/petstore/v2/pets", headers=h).json()] == [None]
    c.patch(f"/petstore/v2/pets/{pet['id']}", json={"age": 4}, headers=h)
    assert [p["age"] for p in c.get("/petstore/v2/pets", headers=h).json()] == [4]
    assert c.get(f"/petstore/v2/pets/{pet['id']}", headers=h).json()["age"] == 4


def test_huge_integers_are_bad_input_not_a_crash(petstore: httpx.Client) -> None:
    h = key_of(petstore)
    huge = petstore.get("/petstore/v2/pets?limit=-32589158477190044729", headers=h)
    assert huge.status_code == 400 and "limit" in huge.json()["message"]
    created = petstore.post("/petstore/v2/pets", json={"name": "x", "age": 10**30}, headers=h)
    assert created.status_code == 400 and "age" in created.json()["message"]


def test_deterministic_default_tokens_do_not_repeat() -> None:
    from twinstack.engine.tenants import Issuer

    class _Twin:
        slug = "x"
        spec = None

    token = Issuer(_Twin(), "default", True).token("", 64)
    assert token[:20] not in token[20:]
