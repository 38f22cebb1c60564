"""Responses a document gives by example only, with no schema: what was created is still listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DOCUMENT = Path(__file__).resolve().parent.parent / "data" / "example_only.yaml"


def test_a_list_declared_by_example_shows_what_was_created_where_the_example_puts_it(make_client: Any) -> None:
    c = make_client(services=[], specs=[f"{DOCUMENT}:events"])
    h = {"X-API-Key": c.get("/_twinstack/tenants/default").json()["credentials"]["events"]["api_key"]}
    first = c.post("/events/v1/events", json={"name": "Launch"}, headers=h)
    assert first.status_code == 201
    second = c.post("/events/v1/events", json={"name": "Review"}, headers=h).json()
    listed = c.get("/events/v1/events", headers=h).json()
    assert [e["name"] for e in listed["events"]] == ["Launch", "Review"]
    assert listed["total"] == 2 and listed["page"] == 1
    paged = c.get("/events/v1/events?page_size=1", headers=h).json()
    assert ([e["id"] for e in paged["events"]], paged["total"], paged["page_size"]) == ([first.json()["id"]], 2, 1)
    assert c.get(f"/events/v1/events/{second['id']}", headers=h).json() == second
    # An example that is a plain list: a plain list of what was made.
    tag = c.post("/events/v1/tags", json={"label": "demo"}, headers=h).json()
    assert c.get("/events/v1/tags", headers=h).json() == [tag]
