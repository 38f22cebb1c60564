"""Natural-language queries translated over the real schema and run for real, in the document's shape."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.packs.polykomos.conftest import API, Tenant, create_database, new_tenant
from tests.packs.polykomos.servers import SqlClient, db_name
from tests.packs.polykomos.test_errors import api_error


def ask(client: TestClient, tenant: Tenant, database: dict[str, Any], query: str) -> Any:
    return client.post(f"{API}/query_executions", headers=tenant.headers,
                       json={"database_uuid": database["uuid"], "query": query})


def answer(client: TestClient, tenant: Tenant, database: dict[str, Any], query: str) -> dict[str, Any]:
    response = ask(client, tenant, database, query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True and isinstance(body["query_id"], int)
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


@pytest.fixture(params=["postgres", "mysql"])
def notes_db(db_client: TestClient, db_tenant: Tenant, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """A database with a ``notes`` table of 7 rows, made through its own connection string."""
    engine = request.param
    made = create_database(db_client, db_tenant, db_name(f"nl-{engine}"), db_type=engine)
    stamp = "TIMESTAMP" if engine == "mysql" else "TIMESTAMPTZ"
    with SqlClient(made["connection_string"]) as sql:
        sql.execute(f"CREATE TABLE notes (id INTEGER PRIMARY KEY, topic VARCHAR(20), amount DECIMAL(8,2), "
                    f"created_at {stamp} NOT NULL)")
        for i in range(1, 8):
            sql.execute("INSERT INTO notes VALUES (%s, %s, %s, %s)",
                        (i, "work" if i % 2 else "home", i * 1.5, f"2024-01-0{i} 10:00:00"))
    yield made
    db_client.delete(f"{API}/databases/{made['uuid']}", headers=db_tenant.headers)


def test_how_many_rows_are_in_a_table_is_the_right_count(
    db_client: TestClient, db_tenant: Tenant, notes_db: dict[str, Any]
) -> None:
    body = answer(db_client, db_tenant, notes_db, "How many rows are in notes?")
    assert body["result"] == {"type": "select", "rows": [{"count": 7}], "rowCount": 1, "truncated": False,
                              "maxRows": 100}
    assert "COUNT(*)" in body["sql"] and "notes" in body["sql"]


def test_latest_n_filters_and_aggregates(db_client: TestClient, db_tenant: Tenant, notes_db: dict[str, Any]) -> None:
    latest = answer(db_client, db_tenant, notes_db, "show the 3 most recent notes")["result"]
    assert [r["id"] for r in latest["rows"]] == [7, 6, 5] and latest["rowCount"] == 3
    assert latest["rows"][0]["amount"] == 10.5 and latest["rows"][0]["created_at"].startswith("2024-01-07")
    home = answer(db_client, db_tenant, notes_db, "list notes where topic is home")["result"]
    assert sorted(r["id"] for r in home["rows"]) == [2, 4, 6]
    counted = answer(db_client, db_tenant, notes_db, "how many notes with topic work")["result"]
    assert counted["rows"] == [{"count": 4}]
    total = answer(db_client, db_tenant, notes_db, "sum of amount in notes")["result"]
    assert total["rows"] == [{"sum_amount": 42}]
    average = answer(db_client, db_tenant, notes_db, "average amount in notes")["result"]
    assert average["rows"] == [{"avg_amount": 6}]


def test_the_agent_memory_scenario(db_client: TestClient, db_tenant: Tenant, notes_db: dict[str, Any]) -> None:
    created = answer(db_client, db_tenant, notes_db, "create a table for user preferences with user_id and theme")
    assert created["result"] == {"type": "ddl", "statementsExecuted": 1}
    for user, theme in (("u1", "dark"), ("u2", "light")):
        inserted = answer(db_client, db_tenant, notes_db, f"add a user preference with user_id {user} and theme {theme}")
        assert inserted["result"] == {"type": "insert", "affectedRows": 1}
    recent = answer(db_client, db_tenant, notes_db, "show the 5 most recent user preferences")["result"]
    # Both rows may share one created_at second: the order between them is the server's.
    assert {(r["user_id"], r["theme"]) for r in recent["rows"]} == {("u1", "dark"), ("u2", "light")}
    deleted = answer(db_client, db_tenant, notes_db, "delete user preferences where user_id is u1")
    assert deleted["result"] == {"type": "delete", "affectedRows": 1}


def test_sql_runs_as_written(db_client: TestClient, db_tenant: Tenant, notes_db: dict[str, Any]) -> None:
    body = answer(db_client, db_tenant, notes_db, "UPDATE notes SET topic = 'done' WHERE id <= 2")
    assert body["sql"] == "UPDATE notes SET topic = 'done' WHERE id <= 2"
    assert body["result"] == {"type": "update", "affectedRows": 2}


def test_large_results_are_capped(db_client: TestClient, db_tenant: Tenant, notes_db: dict[str, Any]) -> None:
    with SqlClient(notes_db["connection_string"]) as sql:
        sql.execute("CREATE TABLE many (n INTEGER)")
        sql.execute("INSERT INTO many VALUES " + ", ".join(f"({i})" for i in range(150)))
    result = answer(db_client, db_tenant, notes_db, "show all many")["result"]
    assert (result["rowCount"], result["truncated"], len(result["rows"])) == (100, True, 100)


def test_sql_failing_in_the_database_is_the_documented_500(
    db_client: TestClient, db_tenant: Tenant, notes_db: dict[str, Any]
) -> None:
    response = ask(db_client, db_tenant, notes_db, "SELECT no_such_column FROM notes")
    assert response.status_code == 500, response.text
    body = response.json()
    assert body["error"]["code"] == "query_execution_failed" and "no_such_column" in body["error"]["message"]
    assert body["error"]["details"]["sql"] == "SELECT no_such_column FROM notes"
    assert isinstance(body["error"]["details"]["query_id"], int)
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_questions_it_cannot_read_are_422_naming_query(
    db_client: TestClient, db_tenant: Tenant, notes_db: dict[str, Any]
) -> None:
    for question in ("make me a sandwich", "how many widgets are there"):
        body = api_error(ask(db_client, db_tenant, notes_db, question), 422, "query_not_understood")
        assert body["error"]["details"]["field"] == "query"
    assert "notes" in api_error(ask(db_client, db_tenant, notes_db, "count widgets"), 422,
                                "query_not_understood")["error"]["message"]


def test_unknown_or_foreign_databases_are_404(db_client: TestClient, db_tenant: Tenant) -> None:
    made = create_database(db_client, db_tenant, db_name("nl-foreign"))
    other = new_tenant(db_client)
    body = api_error(ask(db_client, other, made, "how many rows are in notes"), 404, "not_found")
    assert body["error"]["details"]["field"] == "database_uuid"
    unknown = {"uuid": "00000000-0000-4000-8000-000000000000"}
    api_error(ask(db_client, db_tenant, unknown, "how many rows are in notes"), 404, "not_found")
    db_client.delete(f"{API}/databases/{made['uuid']}", headers=db_tenant.headers)


def test_a_used_up_connection_quota_is_429_with_retry_after(db_client: TestClient, db_tenant: Tenant) -> None:
    made = create_database(db_client, db_tenant, db_name("nl-full"), connection_hard_limit=1)
    with SqlClient(made["connection_string"]):
        response = ask(db_client, db_tenant, made, "select 1")
        api_error(response, 429, "connection_limit_reached")
        assert response.headers["Retry-After"] == "1"
    db_client.delete(f"{API}/databases/{made['uuid']}", headers=db_tenant.headers)


class _FakeModel(BaseHTTPRequestHandler):
    """An OpenAI-compatible ``/v1/chat/completions`` that always answers with one SQL statement."""

    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        _FakeModel.seen.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        reply = {"choices": [{"message": {"role": "assistant", "content": "```sql\nSELECT max(id) AS top FROM notes\n```"}}]}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def test_an_openai_compatible_endpoint_reads_what_the_patterns_cannot(
    db_client: TestClient, db_tenant: Tenant, notes_db: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeModel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("TWINSTACK_POLYKOMOS_LLM_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
        body = answer(db_client, db_tenant, notes_db, "which note has the biggest id?")
        assert body["sql"] == "SELECT max(id) AS top FROM notes" and body["result"]["rows"] == [{"top": 7}]
        prompt = _FakeModel.seen[-1]["messages"]
        assert "notes(" in prompt[0]["content"] and prompt[1]["content"] == "which note has the biggest id?"
    finally:
        server.shutdown()
        server.server_close()
