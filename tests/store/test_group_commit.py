"""Group commit: writes of one turn of the event loop share a commit, and answers wait for it."""

from __future__ import annotations

import asyncio

import pytest

from tests.store.conftest import Stores

S, T, C = "notes", "tenant-a", "notes"


def test_writes_wait_for_the_next_turn_then_are_durable_for_every_reader(stores: Stores) -> None:
    writer, reader = stores.open(), stores.open()

    async def scenario() -> None:
        writer.group_commits(asyncio.get_running_loop())
        writer.insert(S, T, C, "n1", {"v": 1}, 1.0)
        writer.put(S, T, C, "n2", {"v": 2}, 1.0)
        pending = writer.committed()
        if stores.kind == "sqlite":
            assert pending is not None, "writes of this turn are not committed yet"
            assert reader.get(S, T, C, "n1") is None, "another connection must not see an uncommitted write"
            await pending
        else:
            assert pending is None, "PostgreSQL commits every write by itself"
        assert reader.get(S, T, C, "n1") == {"v": 1} and reader.get(S, T, C, "n2") == {"v": 2}
        assert writer.committed() is None, "nothing is left to wait for"

    asyncio.run(scenario())


def test_a_failing_block_in_a_group_undoes_its_own_writes_only(stores: Stores) -> None:
    writer, reader = stores.open(), stores.open()

    async def scenario() -> None:
        writer.group_commits(asyncio.get_running_loop())
        writer.insert(S, T, C, "kept", {"v": 1}, 1.0)
        with pytest.raises(RuntimeError):
            with writer.transaction():
                writer.insert(S, T, C, "undone", {"v": 2}, 1.0)
                raise RuntimeError("the handler failed")
        with writer.transaction():
            writer.insert(S, T, C, "also-kept", {"v": 3}, 1.0)
        pending = writer.committed()
        if pending is not None:
            await pending
        assert reader.get(S, T, C, "kept") == {"v": 1}
        assert reader.get(S, T, C, "also-kept") == {"v": 3}
        assert reader.get(S, T, C, "undone") is None
        assert reader.count(S, T, C) == 2

    asyncio.run(scenario())


def test_many_answers_of_one_turn_share_one_commit(stores: Stores) -> None:
    writer, reader = stores.open(), stores.open()

    async def request(n: int) -> None:
        writer.insert(S, T, C, f"n{n}", {"v": n}, 1.0)
        pending = writer.committed()
        if pending is not None:
            await pending
        # Once answered, any reader sees it.
        assert reader.get(S, T, C, f"n{n}") == {"v": n}

    async def scenario() -> None:
        writer.group_commits(asyncio.get_running_loop())
        await asyncio.gather(*(request(n) for n in range(50)))

    asyncio.run(scenario())
    assert reader.count(S, T, C) == 50


def test_closing_commits_what_a_group_holds(stores: Stores) -> None:
    writer = stores.open()

    async def scenario() -> None:
        writer.group_commits(asyncio.get_running_loop())
        writer.insert(S, T, C, "last", {"v": 1}, 1.0)
        writer.close()

    asyncio.run(scenario())
    assert stores.open().get(S, T, C, "last") == {"v": 1}


def test_the_wal_starts_over_under_steady_writes_instead_of_growing(stores: Stores) -> None:
    """A writer that never pauses must not keep the WAL from starting over: its file would grow without end.

    Each checkpoint pass here runs while a group is open, as the checkpoint thread's passes do under load,
    so some frame is always newer than the pass.
    """
    if stores.kind != "sqlite":
        pytest.skip("a SQLite store's own file")
    import sqlite3

    from twinstack.store.sqlite import _RESTART_FRAMES

    writer = stores.open()
    conn = sqlite3.connect(str(writer.path), isolation_level=None)  # the checkpoint thread's part, on demand
    blob = "x" * 3000  # about a page per resource
    seen: list[int] = []

    async def turn(start: int, n: int) -> None:
        for i in range(start, start + n):
            writer.put(S, T, C, f"n{i}", {"v": blob}, 1.0)
            if i == start + n // 2:
                seen.append(writer._checkpointer.pass_once(conn))
        pending = writer.committed()
        assert pending is not None
        await pending

    async def scenario() -> int:
        writer.group_commits(asyncio.get_running_loop())
        for t in range(40):
            await turn(t * 200, 200)
        return 40 * 200

    written = asyncio.run(scenario())
    conn.close()
    assert max(seen) < 2 * _RESTART_FRAMES, f"the WAL grew on past the restart mark: frames seen {seen}"
    assert stores.open().count(S, T, C) == written, "every write survived the restarts"
