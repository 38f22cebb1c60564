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

Only unfinished tasks are read to settle, and they are stored apart from
finished ones (``tasks``), so an account with none is told by its stored count
and a subject with none by one indexed look-up, with no write. Finished tasks
leave with a durable job per account and creation day, once the whole day is
past retention.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twinstack.packs.bluelobster import backups, power, provisioning
from twinstack.packs.bluelobster.records import Account, Record, between
from twinstack.packs.bluelobster.tasks import (
    COLLECTION, COMPLETED, FAILED, FINAL, OPEN_COLLECTION, PENDING, PROCESSING, QUEUE_SECONDS, Caller, TaskKind, draft,
    expired, finished, last_finished, no_effect, open_on, plan_purge, purge_done, wake, windows_of_day,
)

if TYPE_CHECKING:
    from twinstack.engine.twin import Twin
    from twinstack.store import Job

KINDS: dict[str, TaskKind] = {k.operation: k for k in (*provisioning.KINDS, *power.KINDS, *backups.KINDS)}
"""Every kind of task, by the operation name the task list shows."""
EFFECTS = "task_effects"
"""Cloud-wide markers ``<task id>:<phase>`` of the effects already applied."""
PHASES = ("begin", "finish", "fail")


def queue(account: Account, operation: str, subject: str, params: dict[str, Any], caller: Caller | None,
          at: float | None = None, *, fresh: bool = False) -> Record:
    """Queue a task on ``subject`` and settle the subject's queue, in one transaction; the task as created.

    A task due at once (``--speed instant``, nothing ahead of it) is settled here, so no job has to
    run for it; otherwise the queue's next transition becomes a durable job. ``fresh``: the subject
    was made in the caller's open transaction (a launch), so nothing is queued on it yet and that
    transaction is the one this joins.
    """
    task = draft(account, operation, subject, params, caller, at)
    live = dict(task)
    if fresh:
        _settle_new(account, subject, [live], 0.0)
        return task
    with account.store.transaction():
        _settle_new(account, subject, [*open_on(account, subject), live], None)
    return task


def _settle_new(account: Account, subject: str, waiting: list[Record], free_at: float | None) -> None:
    """Settle a queue whose last task (``waiting[-1]``) this transaction made, and store that task."""
    live = waiting[-1]
    _settle_queue(account, subject, waiting, free_at, unseen=str(live["task_id"]))
    if live["status"] == PENDING:
        # Not started, so not written by the settling: stored as it was made.
        account.collection(OPEN_COLLECTION).put(str(live["task_id"]), live)


def settle_subject(account: Account, subject: str) -> bool:
    """Bring the tasks of one subject (an instance id, a backup) up to now.

    A subject with no unfinished task has nothing to settle: one indexed read, no write transaction.
    True then: nothing of the subject changes with time alone.
    """
    if not open_on(account, subject):
        return True
    with account.store.transaction():
        # Read again inside the transaction: another worker may have settled the queue meanwhile.
        _settle_queue(account, subject, open_on(account, subject))
    return False


def settle_account(account: Account) -> bool:
    """Bring every unfinished task of the account up to now (finished ones are not read).

    True when none was unfinished: then nothing of the account changes with time alone.
    """
    unfinished = account.collection(OPEN_COLLECTION)
    if not unfinished.count():
        # Nothing to settle (the collection's stored count): a read needs no write transaction.
        return True
    with account.store.transaction():
        queues: dict[str, list[Record]] = {}
        for task in unfinished.find().items:
            queues.setdefault(str(task.get("_subject")), []).append(task)
        for subject, waiting in queues.items():
            _settle_queue(account, subject, waiting)
    return False


def run_settle_job(twin: Twin, job: Job) -> None:
    """The ``tasks.SETTLE_JOB`` handler: settle the subject whose transition is due."""
    settle_subject(Account(twin, job.tenant), str(job.payload.get("subject")))


def run_purge_job(twin: Twin, job: Job) -> None:
    """The ``tasks.PURGE_JOB`` handler: drop one day's finished tasks past retention, and their effect markers."""
    account = Account(twin, job.tenant)
    tasks, effects = account.collection(COLLECTION), account.shared(EFFECTS)
    now = account.now()
    day = int(job.payload.get("day", 0))
    with account.store.transaction():
        purge_done(account, day)
        for task in tasks.find({"_window": windows_of_day(day)}).items:
            if expired(task, now):
                tasks.delete(str(task["task_id"]))
                for phase in PHASES:
                    effects.delete(f"{task['task_id']}:{phase}")
            else:
                # Finished later than planned (a clock moved back by an import): try again then.
                plan_purge(account, task)


def _settle_queue(account: Account, subject: str, waiting: list[Record], free_at: float | None = None,
                  unseen: str | None = None) -> None:
    """Move the subject's unfinished tasks (``waiting``, oldest first) as far as now allows.

    ``free_at``: when the subject's last finished task ended, if the caller knows (else it is read).
    ``unseen``: the id of a task this transaction creates, which no other worker can be settling.
    """
    if not waiting:
        return
    now = account.now()
    if free_at is None:
        before = last_finished(account, subject)
        free_at = float(before.get("_finished") or 0.0) if before is not None else 0.0
    for task in waiting:
        if not _advance(account, task, now, free_at, task["task_id"] == unseen):
            started = task.get("_started") is not None
            wake(account, subject, float(task["_ends"]) if started else _start_time(account, task, free_at))
            return
        free_at = float(task["_finished"])


def _start_time(account: Account, task: Record, free_at: float) -> float:
    kind = KINDS[str(task["operation"])]
    factor = account.factor
    queued = between(*QUEUE_SECONDS, task["task_id"], "queue") * factor if kind.queued and factor else 0.0
    return max(float(task["_created"]) + queued, free_at)


def _advance(account: Account, task: Record, now: float, free_at: float, unseen: bool) -> bool:
    """Move one task as far as ``now`` allows; True once it has ended. ``unseen``: see ``_settle_queue``."""
    kind = KINDS[str(task["operation"])]
    if task.get("_started") is None:
        start = _start_time(account, task, free_at)
        if start > now:
            return False
        reason = kind.check(account, task)
        if reason is not None:
            if _claim(account, task, "fail", kind.fail, unseen):
                kind.fail(account, task, start)
            _end(account, task, FAILED, reason, start, unseen)
            return True
        task["_started"] = start
        task.update(_ends=start + _length(account, task, kind), status=PROCESSING)
        if _claim(account, task, "begin", kind.begin, unseen):
            kind.begin(account, task, start)
    start, ends = float(task["_started"]), float(task["_ends"])
    if ends > now:
        _show_step(account, task, kind, now, start, ends)
        return False
    if _claim(account, task, "finish", kind.finish, unseen):
        kind.finish(account, task, ends)
    _end(account, task, COMPLETED, kind.done, ends, unseen)
    return True


def _length(account: Account, task: Record, kind: TaskKind) -> float:
    """How long the task runs at the configured speed (nothing to work out at ``--speed instant``)."""
    factor = account.factor
    if not factor:
        return 0.0
    realistic = kind.length(account, task) if kind.length else between(*kind.seconds, task["task_id"], "length")
    return realistic * factor


def _show_step(account: Account, task: Record, kind: TaskKind, now: float, start: float, ends: float) -> None:
    """The PROCESSING message of the moment; ``updated_at`` is when it was first shown."""
    count = max(len(kind.steps), 1)
    index = min(int((now - start) / (ends - start) * count), count - 1)
    message = kind.steps[index] if kind.steps else "Processing"
    if task.get("message") != message or task.get("status") != PROCESSING:
        task.update(message=message, updated_at=account.iso(start + index * (ends - start) / count))
        account.collection(OPEN_COLLECTION).put(str(task["task_id"]), task)


def _end(account: Account, task: Record, status: str, message: str, at: float, unseen: bool) -> None:
    """The task has ended: it moves to the finished tasks (from the unfinished ones, unless this transaction made it)."""
    assert status in FINAL
    task.update(status=status, message=message, updated_at=account.iso(at), _finished=at)
    account.collection(COLLECTION).put(str(task["task_id"]), finished(task))
    if not unseen:
        account.collection(OPEN_COLLECTION).delete(str(task["task_id"]))
    plan_purge(account, task)


def _claim(account: Account, task: Record, phase: str, effect: object, unseen: bool) -> bool:
    """Whether this caller applies the phase's effect: the one (of any worker) that inserts its marker.

    A task its own transaction creates needs no marker: nobody else sees it before it has moved past
    the phase, so nobody else can apply the phase.
    """
    if effect is no_effect:
        return False
    return unseen or account.shared(EFFECTS).insert(f"{task['task_id']}:{phase}", {"at": account.now()})
