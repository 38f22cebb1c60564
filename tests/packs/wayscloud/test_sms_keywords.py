"""SMS keywords: reserved cloud-wide without regard to case, released by delete, checked for availability."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant, api_key

KEYWORDS = f"{API}/sms/keywords"


def _reserve(client: TestClient, headers: dict[str, str], keyword: str) -> Any:
    return client.post(KEYWORDS, headers=headers, json={"keyword": keyword, "description": "test"})


def _available(client: TestClient, headers: dict[str, str], keyword: str) -> bool:
    response = client.get(f"{KEYWORDS}/check/{keyword}", headers=headers)
    assert response.status_code == 200, response.text
    return bool(response.json()["available"])


def test_a_reserved_keyword_is_taken_in_any_case(client: TestClient, tenant: Tenant) -> None:
    assert _available(client, tenant.service, "support")
    created = _reserve(client, tenant.service, "Support")
    assert created.status_code == 201, created.text
    assert created.json()["keyword"] == "SUPPORT"
    for spelling in ("support", "SUPPORT", "sUpPoRt"):
        assert not _available(client, tenant.service, spelling)
    again = _reserve(client, tenant.service, " support ")
    assert again.status_code == 409 and again.json() == {"detail": "Keyword already reserved"}


def test_another_customer_cannot_reserve_it(client: TestClient, tenant: Tenant) -> None:
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    assert _reserve(client, tenant.service, "PIZZA").status_code == 201
    assert not _available(client, other, "pizza")
    response = _reserve(client, other, "pizza")
    assert response.status_code == 409
    assert response.json() == {"detail": "Keyword already reserved by another customer"}
    assert client.get(KEYWORDS, headers=other).json() == []


def test_delete_releases_the_keyword(client: TestClient, tenant: Tenant) -> None:
    other = api_key(tenant_credentials(client)["credentials"]["wayscloud"]["api_key"])
    created = _reserve(client, tenant.service, "promo").json()
    assert client.delete(f"{KEYWORDS}/{created['id']}", headers=tenant.service).status_code == 204
    assert _available(client, tenant.service, "PROMO")
    assert _reserve(client, other, "Promo").status_code == 201


def test_an_update_keeps_the_reserved_keyword(client: TestClient, tenant: Tenant) -> None:
    created = _reserve(client, tenant.service, "INFO").json()
    response = client.patch(f"{KEYWORDS}/{created['id']}", headers=tenant.service,
                            json={"keyword": "OTHER", "description": "changed"})
    assert response.status_code == 200, response.text
    assert response.json()["keyword"] == "INFO" and response.json()["description"] == "changed"
    assert _available(client, tenant.service, "OTHER") and not _available(client, tenant.service, "INFO")


def test_a_malformed_keyword_is_400_and_reserves_nothing(client: TestClient, tenant: Tenant) -> None:
    for bad in ("x", "two words", "ÆØÅ"):
        response = _reserve(client, tenant.service, bad)
        assert response.status_code == 400, response.text
        assert response.json() == {"detail": "Invalid keyword format. Must be alphanumeric, 2-20 characters."}
    assert client.get(KEYWORDS, headers=tenant.service).json() == []
