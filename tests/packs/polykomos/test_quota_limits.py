"""Quotas at their edges, on the machine's servers: a limit of 0, one past what a server counts, a negative one."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Tenant, create_database
from tests.packs.polykomos.servers import LoginRefused, SqlClient, db_name
from tests.packs.polykomos.test_errors import api_error


def patch_quotas(client: TestClient, tenant: Tenant, uuid: str, **quotas: object) -> Any:
    return client.patch(f"{API}/databases/{uuid}/quotas", headers=tenant.idempotent(), json=quotas)


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_a_connection_limit_of_zero_refuses_every_login_until_it_is_raised(
    db_client: TestClient, db_tenant: Tenant, engine: str
) -> None:
    created = create_database(db_client, db_tenant, db_name(f"none-{engine}"), db_type=engine, connection_hard_limit=0)
    assert created["quotas"]["connection_hard_limit"] == 0
    with pytest.raises(LoginRefused):
        SqlClient(created["connection_string"])
    query = db_client.post(f"{API}/query_executions", headers=db_tenant.headers,
                           json={"database_uuid": created["uuid"], "query": "SELECT 1"})
    assert api_error(query, 429, "connection_limit_reached")

    raised = patch_quotas(db_client, db_tenant, created["uuid"], connection_hard_limit=1)
    assert raised.status_code == 200, raised.text
    with SqlClient(created["connection_string"]) as session:
        assert session.execute("SELECT 1") == [(1,)]
    lowered = patch_quotas(db_client, db_tenant, created["uuid"], connection_hard_limit=0)
    assert lowered.json()["data"]["quotas"]["connection_hard_limit"] == 0
    with pytest.raises(LoginRefused):
        SqlClient(created["connection_string"])
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)


def test_a_storage_limit_of_zero_holds_nothing_so_the_database_is_paused(db_client: TestClient,
                                                                         db_tenant: Tenant) -> None:
    created = create_database(db_client, db_tenant, db_name("no-room"))
    paused = patch_quotas(db_client, db_tenant, created["uuid"], storage_hard_limit_gb=0)
    assert paused.status_code == 200, paused.text
    assert (paused.json()["data"]["status"], paused.json()["data"]["quotas"]["storage_hard_limit_gb"]) == ("paused", 0)
    with SqlClient(created["connection_string"]) as session, pytest.raises(Exception, match="read-only"):
        session.execute("CREATE TABLE t (id int)")
    cleared = patch_quotas(db_client, db_tenant, created["uuid"], storage_hard_limit_gb=None)
    assert cleared.json()["data"]["status"] == "active"
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_a_connection_limit_past_what_a_server_counts_is_kept_and_limits_nothing(
    db_client: TestClient, db_tenant: Tenant, engine: str
) -> None:
    created = create_database(db_client, db_tenant, db_name(f"huge-{engine}"), db_type=engine, connection_hard_limit=1)
    response = patch_quotas(db_client, db_tenant, created["uuid"], connection_hard_limit=37_547_553_400)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["quotas"]["connection_hard_limit"] == 37_547_553_400
    with SqlClient(created["connection_string"]), SqlClient(created["connection_string"]):
        pass
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)


@pytest.mark.parametrize(("field", "value"), [("connection_hard_limit", -1), ("storage_hard_limit_gb", -0.5)])
def test_a_negative_limit_is_refused_naming_the_field(db_client: TestClient, db_tenant: Tenant, field: str,
                                                      value: float) -> None:
    created = create_database(db_client, db_tenant, db_name("negative"))
    refused = patch_quotas(db_client, db_tenant, created["uuid"], **{field: value})
    assert api_error(refused, 422, "invalid_field")["error"]["details"]["field"] == field
    unchanged = db_client.get(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers).json()["data"]
    assert unchanged["quotas"] == {"storage_hard_limit_gb": 0.5, "connection_hard_limit": 5, "warning_threshold_pct": 80}
    db_client.delete(f"{API}/databases/{created['uuid']}", headers=db_tenant.headers)
