"""Tenants and credentials: records, hash lookup, revocation and expiry."""

from __future__ import annotations

from dataclasses import replace

from twinstack.store import Credential, Store


def test_a_tenant_is_stored_listed_and_renamed(store: Store) -> None:
    assert store.get_tenant("t1") is None
    store.put_tenant("t1", "first", {"credentials": {"notes": {"api_key": "k1"}}}, 1000.0)
    store.put_tenant("t2", "second", {}, 1001.0)
    assert store.get_tenant("t1") == {
        "id": "t1", "name": "first", "created_at": 1000.0, "data": {"credentials": {"notes": {"api_key": "k1"}}}
    }
    store.put_tenant("t1", "renamed", {"credentials": {}}, 5000.0)
    tenant = store.get_tenant("t1")
    assert tenant is not None
    assert (tenant["name"], tenant["data"], tenant["created_at"]) == ("renamed", {"credentials": {}}, 1000.0)
    assert [t["id"] for t in store.list_tenants()] == ["t1", "t2"]


def _cred(token_hash: str = "h1", **changes: object) -> Credential:
    base = Credential(token_hash, "t1", "notes", "api_key", "default key", ["read", "write"], ["ApiKeyAuth"],
                      {"email": "a@example.com"}, 1000.0, 4600.0, None)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_credential_is_found_by_its_hash_with_every_field(store: Store) -> None:
    store.add_credential(_cred())
    assert store.find_credential("h1") == _cred()
    assert store.find_credential("unknown") is None


def test_none_scopes_and_an_empty_scope_list_stay_different(store: Store) -> None:
    store.add_credential(_cred("all", scopes=None, schemes=None))
    store.add_credential(_cred("none", scopes=[], schemes=[]))
    found_all, found_none = store.find_credential("all"), store.find_credential("none")
    assert found_all is not None and (found_all.scopes, found_all.schemes) == (None, None)
    assert found_none is not None and (found_none.scopes, found_none.schemes) == ([], [])


def test_revoking_through_update_keeps_the_rest_of_the_credential(store: Store) -> None:
    store.add_credential(_cred())
    store.update_credential(_cred(revoked_at=2000.0))
    found = store.find_credential("h1")
    assert found == _cred(revoked_at=2000.0)
    assert found is not None and found.expires_at == 4600.0 and found.created_at == 1000.0


def test_credentials_are_listed_per_tenant_and_service_oldest_first(store: Store) -> None:
    store.add_credential(_cred("late", created_at=3000.0))
    store.add_credential(_cred("early", created_at=1000.0))
    store.add_credential(_cred("other-tenant", tenant="t2"))
    store.add_credential(_cred("other-service", service="odin"))
    assert [c.token_hash for c in store.list_credentials("t1", "notes")] == ["early", "late"]
    assert [c.token_hash for c in store.list_credentials("t2", "notes")] == ["other-tenant"]
    assert store.list_credentials("t3", "notes") == []
