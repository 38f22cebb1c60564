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
