"""Tasks: the asynchronous operations of Blue Lobster, as records and as kinds of work.

A task is created ``PENDING`` (UUID id), waits for the tasks queued before it
on the same subject (an instance, or a backup being deleted), becomes
``PROCESSING`` when it starts and ``COMPLETED`` or ``FAILED`` when it ends;
the states only move forward. What a kind of task checks when it starts, does
when it starts, and does when it ends is its ``TaskKind``; ``task_runner``
moves the records along the twin clock and applies those effects.

Unfinished tasks are stored apart (``tasks_open``, by subject), so whether an
account has any is its collection's stored count, and a subject's queue is one
look-up. A finished task moves to ``tasks``, found by subject and by the hour
it was created in together with its outcome (``_window``: the task list's
days and status, and the daily purge).

Durations are realistic seconds (the document: creation "1-2 minutes",
deletion "30-60 seconds"), jittered per task and scaled by ``--speed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twinstack.packs.bluelobster.records import Account, Record, new_id

COLLECTION = "tasks"
"""Finished tasks."""
OPEN_COLLECTION = "tasks_open"
"""Unfinished tasks."""
PENDING, PROCESSING, COMPLETED, FAILED = "PENDING", "PROCESSING", "COMPLETED", "FAILED"
OPEN = (PENDING, PROCESSING)
FINAL = (COMPLETED, FAILED)
STATUSES = (*OPEN, *FINAL)
INDEXED = ("_subject", "_window")
"""Fields finished tasks are looked up by (``pack.INDEXES``): the subject's last one, the list's window, the purge."""
OPEN_INDEXED = ("_subject",)
"""Fields unfinished tasks are looked up by: a subject's queue."""
HOUR = 3600.0
DAY = 86_400.0
QUEUED_MESSAGE = "Task queued for processing"
QUEUE_SECONDS = (1.0, 3.0)
"""How long a task waits (realistic) before a worker picks it up, when nothing is ahead of it."""
RETENTION_SECONDS = 7 * 86_400.0
"""Tasks are kept 7 days (the list's "older than 7 days may be purged"; the README says why not 24 h)."""
SETTLE_JOB = "bluelobster.settle"
"""Job kind that settles a subject's tasks when their next transition is due."""
PURGE_JOB = "bluelobster.purge_tasks"
"""Job kind that drops one day's finished tasks of an account once they are past retention."""
PURGES_PLANNED = "task_purges"
"""Key-value namespace (under the slug): ``<tenant>:<day>`` for each purge job planned."""

Check = Callable[[Account, Record], "str | None"]
Effect = Callable[[Account, Record, float], None]


def _no_check(account: Account, task: Record) -> str | None:
    return None


def no_effect(account: Account, task: Record, at: float) -> None:
    """The effect of a phase that changes nothing (so there is nothing to apply only once)."""
    return None


@dataclass(frozen=True, slots=True)
class TaskKind:
    """One kind of asynchronous operation: its timing, its messages and its effects."""

    operation: str
    """The name the task list shows (``create_instance``, ``shutdown_instance``...)."""
    seconds: tuple[float, float]
    """Realistic duration of PROCESSING, lowest and highest."""
    steps: tuple[str, ...]
    """Messages shown while PROCESSING, evenly spread over its duration."""
    done: str
    """Message once COMPLETED."""
    check: Check = _no_check
    """When the task starts: a reason to fail it (the precondition a 4xx would report where none is declared)."""
    begin: Effect = no_effect
    """Applied once, at the start time."""
    finish: Effect = no_effect
    """Applied once, at the end time, when the task completes."""
    fail: Effect = no_effect
    """Applied once, at the start time, when the check failed it."""
    length: Callable[[Account, Record], float] | None = None
    """Realistic duration decided when the task starts (e.g. from a backup's size); else ``seconds``."""
    queued: bool = True
    """Waits for a worker (``QUEUE_SECONDS``) before it starts; a synchronous operation's task starts at once."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asked, as the task list shows it."""

    partial: str | None
    """The first 8 characters of the key (``auth_token_partial``)."""
    client_ip: str | None


def draft(account: Account, operation: str, subject: str, params: dict[str, Any], caller: Caller | None,
          at: float | None = None) -> Record:
    """A PENDING task on ``subject``, not stored yet (``task_runner.queue`` stores it); ``at`` back-dates it."""
    when = account.now() if at is None else at
    stamp = account.iso(when)
    return {
        "task_id": new_id(), "status": PENDING, "operation": operation,
        "params": {**params, "account_id": account.tenant}, "created_at": stamp, "updated_at": stamp,
        "message": QUEUED_MESSAGE, "account_id": account.tenant,
        "auth_token_partial": caller.partial if caller else None, "client_ip": caller.client_ip if caller else None,
        "_created": when, "_subject": subject,
    }


def window(hour: int, status: str) -> str:
    """The ``_window`` of a finished task: the hour it was created in (hours since the epoch) and its outcome."""
    return f"{hour}:{status}"


def windows(hours: range, statuses: tuple[str, ...]) -> list[str]:
    return [window(hour, status) for hour in hours for status in statuses]


def finished(task: Record) -> Record:
    """``task`` as ``tasks`` stores it once it has ended."""
    task["_window"] = window(int(float(task["_created"]) // HOUR), str(task["status"]))
    return task


def stored(account: Account, task_id: str) -> Record | None:
    """The task as it stands, finished or not (settle first for the present)."""
    return account.collection(COLLECTION).get(task_id) or account.collection(OPEN_COLLECTION).get(task_id)


def wake(account: Account, subject: str, at: float) -> None:
    """Have the runner settle ``subject`` at twin time ``at`` (one job per subject, moved rather than added)."""
    account.twin.scheduler.schedule(
        SETTLE_JOB, max(0.0, at - account.now()), service=account.slug, tenant=account.tenant,
        payload={"subject": subject}, job_id=f"{account.slug}:settle:{account.tenant}:{subject}",
    )


def is_open(task: Record) -> bool:
    return task.get("status") not in FINAL


def expired(task: Record, now: float) -> bool:
    """A finished task past retention: no longer shown, and purged by the next list."""
    return not is_open(task) and now - float(task["_created"]) > RETENTION_SECONDS


def open_on(account: Account, subject: str) -> list[Record]:
    """The subject's unfinished tasks, oldest first (as they stand; settle first for the present)."""
    return account.collection(OPEN_COLLECTION).find({"_subject": subject}).items


def last_finished(account: Account, subject: str) -> Record | None:
    """The subject's task that ended last (its queue runs in creation order, so the newest finished one)."""
    found = account.collection(COLLECTION).find({"_subject": subject}, newest_first=True, limit=1).items
    return found[0] if found else None


def plan_purge(account: Account, task: Record) -> None:
    """Have the finished tasks of ``task``'s creation day dropped once the whole day is past retention.

    The plan is noted per account and day, so the job is written once a day rather than per task.
    """
    day = int(float(task["_created"]) // DAY)
    planned = account.counter_space(PURGES_PLANNED)
    key = f"{account.tenant}:{day}"
    if account.store.kv_get(planned, key):
        return
    account.store.kv_put(planned, key, True)
    due = (day + 1) * DAY + RETENTION_SECONDS
    account.twin.scheduler.schedule(
        PURGE_JOB, max(0.0, due - account.now()), service=account.slug, tenant=account.tenant,
        payload={"day": day}, job_id=f"{account.slug}:purge:{account.tenant}:{day}",
    )


def purge_done(account: Account, day: int) -> None:
    """The purge of ``day`` ran: a task of that day finishing later plans another."""
    account.store.kv_delete(account.counter_space(PURGES_PLANNED), f"{account.tenant}:{day}")


def windows_of_day(day: int) -> list[str]:
    """The ``_window`` values of the tasks created on ``day`` (days since the epoch, UTC)."""
    first = int(day * DAY // HOUR)
    return windows(range(first, first + int(DAY // HOUR)), FINAL)


def created_since(account: Account, since: float, status: str | None, limit: int) -> tuple[list[Record], int]:
    """The newest ``limit`` tasks created at ``since`` or later (of ``status`` if given), and how many there are.

    Finished tasks are found by the hour they were created in: whole hours are counted by the index,
    and only the tasks of the first, partial hour are read to compare their times with ``since``.
    Unfinished ones are the few an account has at a time, read as they are.
    """
    wanted = (status,) if status is not None else STATUSES
    ended = tuple(s for s in FINAL if s in wanted)
    waiting = [t for t in account.collection(OPEN_COLLECTION).find().items
               if t.get("status") in wanted and float(t["_created"]) >= since] if set(wanted) & set(OPEN) else []
    if not ended:
        return sorted(waiting, key=_newest)[:limit], len(waiting)
    stored_tasks = account.collection(COLLECTION)
    first, last = int(since // HOUR), int(account.now() // HOUR)
    edge = stored_tasks.find({"_window": windows(range(first, first + 1), ended)}).items
    early = sum(1 for t in edge if float(t["_created"]) < since)
    later = windows(range(first + 1, last + 1), ended)
    total = len(edge) - early + (stored_tasks.count(_window=later) if later else 0)
    # Newest first by insertion; the early tasks of the first hour are the last ones, so read past them.
    page = stored_tasks.find({"_window": windows(range(first, last + 1), ended)}, newest_first=True,
                             limit=limit + early).items
    recent = sorted([*waiting, *(t for t in page if float(t["_created"]) >= since)], key=_newest)
    return recent[:limit], total + len(waiting)


def _newest(task: Record) -> float:
    return -float(task["_created"])


def detail(task: Record) -> dict[str, Any]:
    """``GET /tasks/{task_id}``."""
    keys = ("task_id", "status", "operation", "params", "created_at", "updated_at", "message", "account_id")
    return {k: task.get(k) for k in keys}


def summary(task: Record) -> dict[str, Any]:
    """One item of ``GET /tasks``."""
    keys = ("task_id", "status", "operation", "created_at", "updated_at", "message", "auth_token_partial", "client_ip")
    return {k: task.get(k) for k in keys}


def reply(task: Record, message: str, **extra: Any) -> dict[str, Any]:
    """What a power operation answers: ``{task_id, status: PENDING, message, instance_id, host}``."""
    return {"task_id": task["task_id"], "status": PENDING, "message": message, **extra}
