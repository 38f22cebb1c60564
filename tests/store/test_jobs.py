"""Durable jobs: due order, kinds, leases, finishing, and claimers that never share a job."""

from __future__ import annotations

import threading
import time

from tests.store.conftest import Stores
from twinstack.store import Job, Store


def _job(job_id: str, due: float, kind: str = "tick", **payload: object) -> Job:
    return Job(job_id, due, kind, "notes", "t1", dict(payload))


def test_only_due_jobs_are_claimed_soonest_first(store: Store) -> None:
    store.add_job(_job("late", 300.0))
    store.add_job(_job("b-early", 100.0, n=1))
    store.add_job(_job("a-early", 100.0, n=2))
    store.add_job(_job("future", 900.0))
    claimed = store.claim_due_jobs(300.0)
    assert [j.id for j in claimed] == ["a-early", "b-early", "late"]
    assert claimed[0] == Job("a-early", 100.0, "tick", "notes", "t1", {"n": 2}, claimed[0].lease)
    assert claimed[0].lease > time.time()


def test_a_claimed_job_is_not_handed_out_again_while_leased(store: Store) -> None:
    store.add_job(_job("j", 100.0))
    assert [j.id for j in store.claim_due_jobs(200.0)] == ["j"]
    assert store.claim_due_jobs(200.0) == []
    assert store.next_job_due() is None


def test_a_job_whose_lease_ran_out_is_claimed_again(store: Store) -> None:
    # A claimer that died (kill -9) never finishes; its lease lapsing hands the job on.
    store.add_job(_job("j", 100.0))
    first = store.claim_due_jobs(200.0, lease=0.0)
    again = store.claim_due_jobs(200.0)
    assert [j.id for j in first] == [j.id for j in again] == ["j"]
    store.finish_job(first[0])
    assert store.claim_due_jobs(200.0, lease=0.0) == []


def test_finish_removes_the_job(store: Store) -> None:
    store.add_job(_job("j", 100.0))
    [job] = store.claim_due_jobs(200.0, lease=0.0)
    store.finish_job(job)
    assert store.claim_due_jobs(10_000.0) == []
    assert store.next_job_due() is None


def test_a_job_rescheduled_while_running_survives_its_finish(store: Store) -> None:
    store.add_job(_job("poll", 100.0, step=1))
    [running] = store.claim_due_jobs(200.0)
    store.add_job(_job("poll", 500.0, step=2))
    store.finish_job(running)
    assert store.next_job_due() == 500.0
    assert [j.payload for j in store.claim_due_jobs(500.0)] == [{"step": 2}]


def test_claim_respects_limit_and_kinds(store: Store) -> None:
    for n in range(5):
        store.add_job(_job(f"t{n}", 100.0 + n))
    store.add_job(_job("other", 50.0, kind="foreign"))
    assert [j.id for j in store.claim_due_jobs(1000.0, 2, kinds=["tick"])] == ["t0", "t1"]
    assert store.claim_due_jobs(1000.0, kinds=[]) == []
    assert [j.id for j in store.claim_due_jobs(1000.0, kinds={"tick"})] == ["t2", "t3", "t4"]
    assert [j.id for j in store.claim_due_jobs(1000.0)] == ["other"]


def test_next_job_due_is_the_earliest_unclaimed(store: Store) -> None:
    assert store.next_job_due() is None
    store.add_job(_job("a", 700.0))
    store.add_job(_job("b", 400.0))
    assert store.next_job_due() == 400.0
    store.claim_due_jobs(450.0)
    assert store.next_job_due() == 700.0


def test_two_claimers_on_one_state_never_run_the_same_job(stores: Stores) -> None:
    first, second = stores.open(), stores.open()
    total = 300
    for n in range(total):
        first.add_job(_job(f"job-{n:04d}", float(n)))
    taken: dict[str, list[str]] = {"first": [], "second": []}
    start = threading.Barrier(2)

    def drain(name: str, claimer: Store) -> None:
        start.wait(timeout=30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            batch = claimer.claim_due_jobs(float(total), 7)
            if not batch:
                return
            taken[name].extend(j.id for j in batch)
            for job in batch:
                claimer.finish_job(job)
            # Running a batch takes a claimer some time; SQLite promises no fairness to a
            # writer that never pauses, so a claimer that did nothing else could take all.
            time.sleep(0.002)

    threads = [threading.Thread(target=drain, args=item) for item in (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    everything = taken["first"] + taken["second"]
    assert len(everything) == total
    assert set(everything) == {f"job-{n:04d}" for n in range(total)}
    assert taken["first"] and taken["second"], "both claimers should have taken part"
    # Each claimer sees its share in due order.
    assert taken["first"] == sorted(taken["first"]) and taken["second"] == sorted(taken["second"])


def test_a_cancelled_job_never_runs(store: Store) -> None:
    store.add_job(Job("j-cancel", 1.0, "kind", "svc", "t"))
    assert store.cancel_job("j-cancel") is True
    assert store.cancel_job("j-cancel") is False
    assert store.claim_due_jobs(10.0) == []
