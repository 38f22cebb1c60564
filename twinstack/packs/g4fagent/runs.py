"""Messages and agent runs: the run lifecycle on the twin clock, driven by durable jobs.

A run is created ``queued`` (progress 0) with a ``status`` event. A job of
kind ``g4fagent.run_step`` then moves it, one step per job: ``running`` (0.05,
``started_at``), one ``token`` event per chunk of the answer (``model``),
and ``completed`` (1.0, ``ended_at``): the assistant message is appended to the
session, ``result`` and ``usage`` set (a prompt asking for a replacement in a file
gets a real diff, ``run_diffs``), ``run.completed`` audited (actor
``system``). An ``input.message_id`` that names no message of the session makes
the run ``failed`` with an ``error`` event (upstream: "Input message_id was not
found.") and a notification. ``cancel`` ends any run not yet terminal
(``canceled``, one "l") and drops its job.

Step ``n`` is due at the run's creation time plus a fixed offset (scaled by
``--speed``), not "now plus a delay": a clock advance past the end of a run
runs all its steps at once, and a run whose worker died resumes where it was.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import (
    messages,
    model,
    notifications,
    run_diffs,
    run_events,
)
from twinstack.packs.g4fagent.handlers.projects import PROJECTS
from twinstack.packs.g4fagent.messages import MESSAGES
from twinstack.packs.g4fagent.records import Family, iso, new_id
from twinstack.store import Job

RUNS = Family(noun="run", collection="/runs", prefix="run", id_param="run_id", label="Run",
              indexed=("session_id", "project_id", "_active"))
STEP_JOB = "g4fagent.run_step"
EXPIRE_JOB = "g4fagent.run_expire"
DAY_S = 86_400.0
"""Twin seconds a run counts in its project's ``stats.runs_24h`` (not scaled by ``--speed``: it is a window)."""
TERMINAL = frozenset({"completed", "failed", "canceled"})
QUEUED_S = 2.0
"""Realistic seconds from creation to ``running``."""
TOKEN_S = 0.5
"""Realistic seconds between token events, and from the last one to ``completed``."""
PRIVATE_REQUEST = "_request"
"""Where the run keeps the request it was started with; ``GET /runs/{id}`` hides it, as upstream."""


def job_id(tenant: str, run_id: str) -> str:
    return f"g4fagent-run-{tenant}-{run_id}"


def public(run: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run.items() if not k.startswith("_")}


def status_event(twin: Twin, status: str, progress: float) -> dict[str, Any]:
    return {"type": "status", "ts": iso(twin.clock.now()), "status": status, "progress": progress}


def create(ctx: RequestContext, session: dict[str, Any], mode: str, agent: dict[str, Any],
           run_input: dict[str, Any]) -> dict[str, Any]:
    """A new ``queued`` run of ``session``, its first event written and its first step scheduled."""
    now = ctx.now
    run = {
        "id": new_id(RUNS.prefix), "session_id": session["id"], "project_id": session.get("project_id"),
        "status": "queued", "progress": 0.0, "created_at": iso(now), "started_at": None, "ended_at": None,
        "result": None, "usage": None, "_active": True, "_t0": now, "_step": 0,
        PRIVATE_REQUEST: {"mode": mode, "agent": agent, "input": run_input},
    }
    with ctx.store.transaction():
        RUNS.save(ctx, run)
        run_events.append(ctx.twin, ctx.tenant, session["id"], run["id"], status_event(ctx.twin, "queued", 0.0))
        _count_run(ctx, session)
    _schedule(ctx.twin, ctx.tenant, run)
    return run


def _count_run(ctx: RequestContext, session: dict[str, Any]) -> None:
    """``stats.runs_24h`` of the project: one more now, one less 24 hours later (a durable job)."""
    project_id = str(session.get("project_id") or "")
    if _adjust_runs_24h(ctx.twin, ctx.tenant, project_id, +1):
        ctx.twin.scheduler.schedule(EXPIRE_JOB, DAY_S, service=ctx.slug, tenant=ctx.tenant,
                                    payload={"project_id": project_id})


def _adjust_runs_24h(twin: Twin, tenant: str, project_id: str, delta: int) -> bool:
    projects = twin.collection(tenant, PROJECTS.collection)
    project = projects.get(project_id) if project_id else None
    if project is None:
        return False
    stats = dict(project.get("stats") or {})
    stats["runs_24h"] = max(0, int(stats.get("runs_24h", 0)) + delta)
    PROJECTS.put(projects, {**project, "stats": stats})
    return True


async def expire_job(twin: Twin, job: Job) -> None:
    """A run started 24 hours ago leaves its project's ``stats.runs_24h`` (the ``g4fagent.run_expire`` job)."""
    _adjust_runs_24h(twin, job.tenant, str(job.payload.get("project_id", "")), -1)


def _offset(step: int) -> float:
    """Realistic seconds from the run's creation to its step ``step``."""
    return QUEUED_S + TOKEN_S * step


def _schedule(twin: Twin, tenant: str, run: dict[str, Any]) -> None:
    step = int(run["_step"])
    due = float(run["_t0"]) + twin.clock.duration(_offset(step))
    twin.scheduler.schedule(STEP_JOB, due - twin.clock.now(), service=twin.slug, tenant=tenant,
                            payload={"run_id": run["id"]}, job_id=job_id(tenant, str(run["id"])))


def cancel(ctx: RequestContext, run: dict[str, Any]) -> bool:
    """End ``run`` as ``canceled`` unless it is already terminal; whether it changed."""
    if run.get("status") in TERMINAL:
        return False
    ctx.twin.scheduler.cancel(job_id(ctx.tenant, str(run["id"])))
    _finish(ctx.twin, ctx.tenant, run, "canceled", progress=float(run.get("progress") or 0.0))
    return True


async def step_job(twin: Twin, job: Job) -> None:
    """One step of a run's lifecycle (the ``g4fagent.run_step`` job)."""
    runs = twin.collection(job.tenant, RUNS.collection)
    run = runs.get(str(job.payload.get("run_id", "")))
    if run is None or run.get("status") in TERMINAL:
        return
    step = int(run.get("_step", 0))
    if step == 0:
        _start(twin, job.tenant, run)
    else:
        _advance(twin, job.tenant, run, step)
    if run.get("status") not in TERMINAL:
        _schedule(twin, job.tenant, run)


def _start(twin: Twin, tenant: str, run: dict[str, Any]) -> None:
    request = run.get(PRIVATE_REQUEST) or {}
    run_input = request.get("input") or {}
    agent = request.get("agent") or {}
    run.update(status="running", progress=0.05, started_at=iso(twin.clock.now()))
    wanted = run_input.get("message_id")
    prompt = ""
    if wanted is not None:
        message = twin.collection(tenant, MESSAGES.collection).get(str(wanted))
        if message is None or message.get("session_id") != run["session_id"]:
            _save(twin, tenant, run, status_event(twin, "running", 0.05))
            _fail(twin, tenant, run, "run_failed", "Input message_id was not found.")
            return
        prompt = model.prompt_of(message.get("content") or [])
    else:
        prompt = str(run_input.get("text") or run_input.get("prompt") or "")
    given = agent.get("instructions")
    instructions = given if isinstance(given, str) else ""
    text = model.respond(prompt, instructions, str(request.get("mode") or ""))
    diff = run_diffs.propose(twin, tenant, str(run.get("project_id") or ""), prompt)
    if diff is not None:
        run["_diff_ids"] = [diff["id"]]
        text += f" I prepared diff {diff['id']} with that change; apply it to write it to the workspace."
    # The input is what the model would read: the system prompt (the agent's instructions) and the message.
    run["_text"], run["_prompt_words"] = text, model.word_count(f"{instructions} {prompt}")
    run["_reply_id"] = new_id(MESSAGES.prefix)
    run["_step"] = 1
    _save(twin, tenant, run, status_event(twin, "running", 0.05))


def _advance(twin: Twin, tenant: str, run: dict[str, Any], step: int) -> None:
    text = str(run.get("_text") or "")
    pieces = model.chunks(text)
    if step <= len(pieces):
        run["progress"] = round(0.05 + 0.9 * step / len(pieces), 3)
        run["_step"] = step + 1
        event = {"type": "token", "ts": iso(twin.clock.now()), "message_id": run["_reply_id"], "text": pieces[step - 1]}
        _save(twin, tenant, run, event)
        return
    session_id = str(run["session_id"])
    with twin.store.transaction():
        reply = messages.add(twin, tenant, session_id, "assistant", [{"type": "text", "text": text}],
                             {"run_id": run["id"]}, message_id=str(run["_reply_id"]))
        run["result"] = {"summary": text[:model.SUMMARY_LIMIT], "message_id": reply["id"],
                         "diff_ids": list(run.get("_diff_ids") or [])}
        run["usage"] = {"input_tokens": int(run.get("_prompt_words") or 1), "output_tokens": model.word_count(text),
                        "cost_usd": 0}
        _finish(twin, tenant, run, "completed", progress=1.0)
        notifications.system_audit(twin, tenant, "run.completed",
                                   {"run_id": run["id"], "session_id": session_id}, project_id=run.get("project_id"))


def _fail(twin: Twin, tenant: str, run: dict[str, Any], code: str, message: str) -> None:
    event = {"type": "error", "ts": iso(twin.clock.now()), "error": {"code": code, "message": message}}
    run_events.append(twin, tenant, str(run["session_id"]), str(run["id"]), event)
    run["error"] = {"code": code, "message": message}
    _finish(twin, tenant, run, "failed", progress=float(run.get("progress") or 0.0))
    notifications.notify(twin, tenant, "error", "Run failed", f"Run {run['id']} failed: {message}",
                         run_id=str(run["id"]), session_id=str(run["session_id"]))


def _finish(twin: Twin, tenant: str, run: dict[str, Any], status: str, *, progress: float) -> None:
    run.update(status=status, progress=progress, ended_at=iso(twin.clock.now()), _active=False)
    _save(twin, tenant, run, status_event(twin, status, progress))


def _save(twin: Twin, tenant: str, run: dict[str, Any], event: dict[str, Any]) -> None:
    # The event first: a stream that sees the run terminal reads once more and finds its last event.
    with twin.store.transaction():
        run_events.append(twin, tenant, str(run["session_id"]), str(run["id"]), event)
        RUNS.put(twin.collection(tenant, RUNS.collection), run)
