"""Regions: one catalogue, every spelling of a region, filters, prices matching the VPS plans."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.packs.wayscloud.conftest import API


def test_regions_filter_by_service_and_status(client: TestClient) -> None:
    every = client.get(f"{API}/regions").json()
    assert [r["code"] for r in every["regions"]] == ["oslo", "stockholm", "frankfurt"] and every["total"] == 3
    llm = client.get(f"{API}/regions", params={"service": "llm"}).json()
    assert [r["code"] for r in llm["regions"]] == ["oslo"] and llm["total"] == 1
    down = client.get(f"{API}/regions", params={"status": "maintenance"}).json()
    assert [r["code"] for r in down["regions"]] == ["frankfurt"]


def test_a_region_is_found_by_any_spelling(client: TestClient) -> None:
    for spelling in ("oslo", "no", "NO", "no-oslo-1"):
        response = client.get(f"{API}/regions/{spelling}")
        assert response.status_code == 200 and response.json()["code"] == "oslo"
    missing = client.get(f"{API}/regions/mars")
    assert missing.status_code == 404 and missing.json() == {"detail": "Region not found"}


def test_pricing_lists_the_services_of_the_region(client: TestClient) -> None:
    oslo = client.get(f"{API}/regions/no/pricing").json()
    assert oslo == {"region": "oslo", "currency": "NOK", "services": {
        "vps": {"vps-2gb-1cpu": 99, "vps-4gb-2cpu": 199, "vps-8gb-4cpu": 399},
        "storage": {"per_gb_month": 0.5}, "database": {"postgresql_per_gb": 2.5, "mariadb_per_gb": 2.0}}}
    assert set(client.get(f"{API}/regions/frankfurt/pricing").json()["services"]) == {"vps", "storage"}
