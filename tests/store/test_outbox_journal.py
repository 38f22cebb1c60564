"""The outbox (newest first, filters, cursor) and the request journal."""

from __future__ import annotations

from typing import Any

from twinstack.store import Store


def _message(n: int, **fields: Any) -> dict[str, Any]:
    message = {
        "id": f"msg-{n}", "service": "notes", "tenant": "t1", "channel": "sms", "sender": "+15550000",
        "recipient": "+15551111", "subject": None, "body": f"hello {n}", "created_at": f"2026-01-01T00:00:{n:02d}Z",
        "metadata": {"n": n},
    }
    message.update(fields)
    return message


def _ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in rows]


def test_messages_come_back_whole_and_newest_first(store: Store) -> None:
    for n in range(3):
        store.add_message(_message(n))
    rows = store.list_messages({}, 10, None)
    assert _ids(rows) == ["msg-2", "msg-1", "msg-0"]
    first = dict(rows[-1])
    assert isinstance(first.pop("_seq"), int)
    assert first == _message(0)


def test_messages_filter_by_channel_recipient_service_tenant_and_since(store: Store) -> None:
    store.add_message(_message(1))
    store.add_message(_message(2, channel="email", recipient="a@example.com"))
    store.add_message(_message(3, service="odin"))
    store.add_message(_message(4, tenant="t2"))
    assert _ids(store.list_messages({"channel": "email"}, 10, None)) == ["msg-2"]
    assert _ids(store.list_messages({"recipient": "a@example.com"}, 10, None)) == ["msg-2"]
    assert _ids(store.list_messages({"service": "odin"}, 10, None)) == ["msg-3"]
    assert _ids(store.list_messages({"tenant": "t2"}, 10, None)) == ["msg-4"]
    assert _ids(store.list_messages({"since": "2026-01-01T00:00:03Z"}, 10, None)) == ["msg-4", "msg-3"]
    assert _ids(store.list_messages({"channel": "sms", "service": "notes", "tenant": "t1"}, 10, None)) == ["msg-1"]


def test_a_cursor_pages_through_every_message_once(store: Store) -> None:
    for n in range(7):
        store.add_message(_message(n))
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = store.list_messages({}, 3, cursor)
        if not page:
            break
        seen += _ids(page)
        cursor = page[-1]["_seq"]
    assert seen == [f"msg-{n}" for n in range(6, -1, -1)]


def test_the_journal_lists_newest_first_up_to_a_limit(store: Store) -> None:
    store.add_journal([])
    store.add_journal([{"path": "/a", "status": 200}, {"path": "/b", "status": 201}])
    store.add_journal([{"path": "/c", "status": 404}])
    assert [e["path"] for e in store.list_journal(10)] == ["/c", "/b", "/a"]
    assert store.list_journal(1) == [{"path": "/c", "status": 404}]
