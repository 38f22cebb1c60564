"""The read cache's own bounds: answers kept stay within their count and bytes, whatever is asked."""

from __future__ import annotations

from typing import Any

from twinstack.engine import read_cache
from twinstack.engine.read_cache import ReadCache


class _Store:
    def __init__(self) -> None:
        self.now: Any = (1, 1)

    def generation(self) -> Any:
        return self.now


def test_answers_kept_stay_within_the_byte_budget_and_the_newest_stay() -> None:
    store = _Store()
    cache = ReadCache(store)  # type: ignore[arg-type]
    body = b"x" * (200 * 1024)
    for n in range(100):
        cache.keep(("GET", n), store.now, (200, {}, body, "application/json"), "req_1")
    kept = [n for n in range(100) if cache.get(("GET", n)) is not None]
    assert kept == list(range(100 - len(kept), 100)), "the oldest go first"
    assert len(kept) * len(body) <= read_cache._BUDGET < (len(kept) + 1) * len(body)


def test_only_a_read_asked_before_is_worth_keeping_and_sightings_stay_bounded() -> None:
    cache = ReadCache(_Store())  # type: ignore[arg-type]
    assert not cache.asked_before(("GET", "/a")) and cache.asked_before(("GET", "/a"))
    for n in range(2 * read_cache._SIGHTINGS):
        cache.asked_before(("GET", n))
    assert not cache.asked_before(("GET", "/a")), "the oldest sightings go first"
    assert len(cache._sighted) <= read_cache._SIGHTINGS


def test_a_kept_answer_goes_when_the_state_moves_and_is_never_given_for_another_generation() -> None:
    store = _Store()
    cache = ReadCache(store)  # type: ignore[arg-type]
    cache.keep(("GET", "/a"), store.now, (200, {"ETag": "1"}, b"[1]", "application/json"), "req_1")
    assert cache.get(("GET", "/a")) == (200, {"ETag": "1"}, b"[1]", "application/json")
    store.now = (2, 1)
    assert cache.get(("GET", "/a")) is None
    # Made at one generation, offered after the state moved: not kept.
    cache.keep(("GET", "/a"), (1, 1), (200, {}, b"[1]", "application/json"), "req_2")
    assert cache.get(("GET", "/a")) is None
    # Holding its request id, or not a success: not kept.
    cache.keep(("GET", "/b"), store.now, (200, {}, b'{"id": "req_3"}', "application/json"), "req_3")
    cache.keep(("GET", "/c"), store.now, (404, {}, b"{}", "application/json"), "req_4")
    assert cache.get(("GET", "/b")) is None and cache.get(("GET", "/c")) is None
