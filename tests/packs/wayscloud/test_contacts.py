"""Contacts: partial PATCH, delete and GDPR delete, filters, groups with member counts from their memberships."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.packs.wayscloud.conftest import API, Tenant

CONTACTS = f"{API}/contacts"
GROUPS = f"{CONTACTS}/groups"


def _contact(client: TestClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = client.post(CONTACTS, headers=tenant.account, json=fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _group(client: TestClient, tenant: Tenant, name: str) -> dict[str, Any]:
    response = client.post(GROUPS, headers=tenant.account, json={"name": name})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_patch_changes_only_the_fields_it_carries(client: TestClient, tenant: Tenant) -> None:
    made = _contact(client, tenant, name="Ola Nordmann", phone_number="+4799999999", tags=["vip"])
    assert made["type"] == "person" and made["tags"] == ["vip"]
    response = client.patch(f"{CONTACTS}/{made['id']}", headers=tenant.account, json={"email": "ola@example.com"})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["name"] == "Ola Nordmann" and patched["phone_number"] == "+4799999999"
    assert patched["email"] == "ola@example.com" and patched["id"] == made["id"]
    assert client.get(f"{CONTACTS}/{made['id']}", headers=tenant.account).json() == patched


def test_bad_input_is_400_naming_the_field(client: TestClient, tenant: Tenant) -> None:
    response = client.post(CONTACTS, headers=tenant.account, json={"name": "", "type": "robot"})
    assert response.status_code == 400
    assert "body.name" in response.json()["detail"]
    missing = client.patch(f"{CONTACTS}/f47ac10b-58cc-4372-a567-0e02b2c3d479", headers=tenant.account, json={})
    assert missing.status_code == 404 and missing.json() == {"detail": "Contact not found"}


def test_filters_by_type_tags_and_search(client: TestClient, tenant: Tenant) -> None:
    ola = _contact(client, tenant, name="Ola Nordmann", tags=["vip", "newsletter"])
    acme = _contact(client, tenant, name="ACME AS", type="company", email="post@acme.no", tags=["newsletter"])
    _contact(client, tenant, name="Kari", tags=["other"])

    def names(**query: Any) -> list[str]:
        response = client.get(CONTACTS, headers=tenant.account, params=query)
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()["contacts"]]

    assert names() == ["Ola Nordmann", "ACME AS", "Kari"]
    assert names(type="company") == ["ACME AS"]
    assert names(tags="vip,newsletter") == ["Ola Nordmann", "ACME AS"]
    assert names(tags="newsletter", type="person") == ["Ola Nordmann"]
    assert names(search="acme.NO") == ["ACME AS"]
    page = client.get(CONTACTS, headers=tenant.account, params={"per_page": 2, "page": 2}).json()
    assert page == {"contacts": [client.get(f"{CONTACTS}/{c}", headers=tenant.account).json()
                                 for c in (page["contacts"][0]["id"],)], "total": 3, "page": 2, "per_page": 2}
    client.patch(f"{CONTACTS}/{ola['id']}", headers=tenant.account, json={"tags": ["gold"]})
    assert names(tags="vip") == [] and names(tags="gold") == ["Ola Nordmann"]
    assert acme["tags"] == ["newsletter"]


def test_group_member_counts_follow_memberships(client: TestClient, tenant: Tenant) -> None:
    a, b = _contact(client, tenant, name="A"), _contact(client, tenant, name="B")
    group = _group(client, tenant, "VIP")
    assert group["member_count"] == 0
    members = f"{GROUPS}/{group['id']}/members"
    unknown = "00000000-0000-4000-8000-000000000000"
    added = client.post(members, headers=tenant.account, json={"contact_ids": [a["id"], b["id"], unknown]})
    assert added.json() == {"added": 2}
    assert client.post(members, headers=tenant.account, json={"contact_ids": [a["id"]]}).json() == {"added": 0}
    assert client.get(f"{GROUPS}/{group['id']}", headers=tenant.account).json()["member_count"] == 2
    assert [m["name"] for m in client.get(members, headers=tenant.account).json()["members"]] == ["A", "B"]
    assert client.delete(f"{members}/{a['id']}", headers=tenant.account).status_code == 204
    again = client.delete(f"{members}/{a['id']}", headers=tenant.account)
    assert again.status_code == 404 and again.json() == {"detail": "Group or contact not found"}
    assert client.delete(f"{CONTACTS}/{b['id']}", headers=tenant.account).status_code == 204
    assert client.get(f"{CONTACTS}/{b['id']}", headers=tenant.account).status_code == 404
    listed = client.get(GROUPS, headers=tenant.account).json()["groups"]
    assert [(g["name"], g["member_count"]) for g in listed] == [("VIP", 0)]


def test_deleting_a_group_keeps_its_contacts(client: TestClient, tenant: Tenant) -> None:
    a = _contact(client, tenant, name="A")
    group = _group(client, tenant, "Temp")
    client.post(f"{GROUPS}/{group['id']}/members", headers=tenant.account, json={"contact_ids": [a["id"]]})
    renamed = client.patch(f"{GROUPS}/{group['id']}", headers=tenant.account, json={"name": "Renamed"})
    assert renamed.json()["name"] == "Renamed" and renamed.json()["member_count"] == 1
    assert client.delete(f"{GROUPS}/{group['id']}", headers=tenant.account).status_code == 204
    assert client.get(f"{GROUPS}/{group['id']}", headers=tenant.account).status_code == 404
    assert client.get(f"{CONTACTS}/{a['id']}", headers=tenant.account).status_code == 200


def test_gdpr_delete_anonymises_and_leaves_groups(client: TestClient, tenant: Tenant) -> None:
    a = _contact(client, tenant, name="Ola", email="ola@example.com", phone_number="+4799999999", tags=["vip"])
    group = _group(client, tenant, "G")
    client.post(f"{GROUPS}/{group['id']}/members", headers=tenant.account, json={"contact_ids": [a["id"]]})
    response = client.post(f"{CONTACTS}/{a['id']}/gdpr-delete", headers=tenant.account, json={"reason": "Art. 17"})
    assert response.status_code == 200 and response.content == b""
    erased = client.get(f"{CONTACTS}/{a['id']}", headers=tenant.account).json()
    assert erased["name"] == "Deleted contact" and "email" not in erased and "phone_number" not in erased
    assert client.get(f"{GROUPS}/{group['id']}", headers=tenant.account).json()["member_count"] == 0
    assert client.get(CONTACTS, headers=tenant.account, params={"search": "ola@"}).json()["total"] == 0


def test_contacts_need_a_pat(client: TestClient, tenant: Tenant) -> None:
    response = client.get(CONTACTS, headers=tenant.service)
    assert response.status_code == 401


def test_a_page_beyond_any_offset_is_empty(client: TestClient, tenant: Tenant) -> None:
    _contact(client, tenant, name="A")
    far = client.get(CONTACTS, headers=tenant.account, params={"page": 2**70, "per_page": 100})
    assert far.status_code == 200 and far.json()["contacts"] == [] and far.json()["total"] == 1
    apps = client.get(f"{API}/apps", headers=tenant.service, params={"page": 2**70})
    assert apps.status_code == 200 and apps.json()["apps"] == []
    for path in ("gpu/jobs", "transcript/jobs"):
        assert client.get(f"{API}/{path}", headers=tenant.service, params={"offset": 2**70}).status_code == 200
