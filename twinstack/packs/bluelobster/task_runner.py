"""Moves tasks along the twin clock and applies their effects exactly once.

A subject's tasks form a queue: each starts when it has waited its queueing
time *and* the one before it has ended, runs its kind's duration, and ends.
Nothing runs in the background to do this. Whoever looks first settles the
queue up to now: a read of the task or of its instance, a list, or the
durable job that ``tasks.wake`` keeps scheduled at the next transition (so
capacity and addresses come back even when nobody looks, and
``/_twinstack/clock/advance`` finishes what is due). Each step is computed
from recorded times, so a reader and the job reach the same result.

Effects (an instance stopping, capacity and addresses released, a backup
written) are applied at most once per task and phase: the phase is claimed
with an atomic insert-if-absent in the cloud-wide state, inside the store
transaction that also saves the task, so two workers settling one queue at
the same moment cannot both apply it.
"""

from __future__ import annotations

from typing import Any

from twinstack.packs.bluelobster import backups, power, provisioning
from twinstack.packs.bluelobster.records import Account, Record, between
from twinstack.packs.bluelobster.tasks import (
    COLLECTION, COMPLETED, FAILED, FINAL, PROCESSING, QUEUE_SECONDS, TaskKind, expired, is_open, wake,
)

KINDS: dict[str, TaskKind] = {k.operation: k for k in (*provisioning.KINDS, *power.KINDS, *backups.KINDS)}
"""Every kind of task, by the operation name the task list shows."""
EFFECTS = "task_effects"
"""Cloud-wide markers ``<task id>:<phase>`` of the effects already applied."""


def settle_subject(account: Account, subject: str) -> None:
    """Bring the tasks of one subject (an instance id, a backup) up to now."""
    with account.store.transaction():
        queue = [t for t in account.all(COLLECTION) if t.get("_subject") == subject]
        _settle_queue(account, subject, queue)


def settle_account(account: Account) -> list[Record]:
    """Bring every task of the account up to now, drop those past retention; the tasks kept, oldest first."""
    now = account.now()
    tasks = account.all(COLLECTION)
    if not any(expired(t, now) or is_open(t) for t in tasks):
        # Nothing to settle or prune: a read needs no write transaction (the common case of a list).
        return tasks
    with account.store.transaction():
        kept: list[Record] = []
        queues: dict[str, list[Record]] = {}
        for task in account.all(COLLECTION):
            if expired(task, now):
                account.delete(COLLECTION, str(task["task_id"]))
                for phase in ("begin", "finish", "fail"):
                    account.shared_delete(EFFECTS, f"{task['task_id']}:{phase}")
                continue
            kept.append(task)
            queues.setdefault(str(task.get("_subject")), []).append(task)
        for subject, queue in queues.items():
            if any(is_open(t) for t in queue):
                _settle_queue(account, subject, queue)
    return kept


def run_settle_job(twin: Any, tenant: str, payload: dict[str, Any]) -> None:
    """The ``tasks.SETTLE_JOB`` handler: settle the subject whose transition is due."""
    settle_subject(Account(twin, tenant), str(payload.get("subject")))


def _settle_queue(account: Account, subject: str, queue: list[Record]) -> None:
    now = account.now()
    free_at = max((float(t.get("_finished") or 0.0) for t in queue if not is_open(t)), default=0.0)
    for task in queue:
        if not is_open(task):
            continue
        if not _advance(account, task, now, free_at):
            started = task.get("_started") is not None
            wake(account, subject, float(task["_ends"]) if started else _start_time(account, task, free_at))
            return
        free_at = float(task["_finished"])


def _start_time(account: Account, task: Record, free_at: float) -> float:
    kind = KINDS[str(task["operation"])]
    queued = between(*QUEUE_SECONDS, task["task_id"], "queue") * account.factor if kind.queued else 0.0
    return max(float(task["_created"]) + queued, free_at)


def _advance(account: Account, task: Record, now: float, free_at: float) -> bool:
    """Move one task as far as ``now`` allows; True once it has ended."""
    kind = KINDS[str(task["operation"])]
    if task.get("_started") is None:
        start = _start_time(account, task, free_at)
        if start > now:
            return False
        reason = kind.check(account, task)
        if reason is not None:
            if _claim(account, task, "fail"):
                kind.fail(account, task, start)
            _end(account, task, FAILED, reason, start)
            return True
        task["_started"] = start
        realistic = kind.length(account, task) if kind.length else between(*kind.seconds, task["task_id"], "length")
        task.update(_ends=start + realistic * account.factor, status=PROCESSING)
        if _claim(account, task, "begin"):
            kind.begin(account, task, start)
    start, ends = float(task["_started"]), float(task["_ends"])
    if ends > now:
        _show_step(account, task, kind, now, start, ends)
        return False
    if _claim(account, task, "finish"):
        kind.finish(account, task, ends)
    _end(account, task, COMPLETED, kind.done, ends)
    return True


def _show_step(account: Account, task: Record, kind: TaskKind, now: float, start: float, ends: float) -> None:
    """The PROCESSING message of the moment; ``updated_at`` is when it was first shown."""
    count = max(len(kind.steps), 1)
    index = min(int((now - start) / (ends - start) * count), count - 1)
    message = kind.steps[index] if kind.steps else "Processing"
    if task.get("message") != message or task.get("status") != PROCESSING:
        task.update(message=message, updated_at=account.iso(start + index * (ends - start) / count))
        account.put(COLLECTION, str(task["task_id"]), task)


def _end(account: Account, task: Record, status: str, message: str, at: float) -> None:
    assert status in FINAL
    task.update(status=status, message=message, updated_at=account.iso(at), _finished=at)
    account.put(COLLECTION, str(task["task_id"]), task)


def _claim(account: Account, task: Record, phase: str) -> bool:
    return account.shared_claim(EFFECTS, f"{task['task_id']}:{phase}", {"at": account.now()})
