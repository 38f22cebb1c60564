"""Terminal: terminal sessions of a project, kept as records; nothing is ever spawned on the host.

``POST terminal/sessions`` checks the shell (``bash``, ``pwsh``, ``cmd``, ``zsh``)
and that ``cwd`` is a folder inside the workspace, then records the terminal
as ``running``; ``kill`` marks it ``killed`` and answers ``{ok: true}`` even for
an unknown id, as upstream (which does not check the project either). At most
``MAX_RUNNING`` terminals of a tenant run at once; one unused for
``IDLE_SECONDS`` of twin time counts as killed. The API has no input/output
endpoint; the control ``POST /_twinstack/g4fagent/terminal-run {tenant,
terminal_id, command}`` runs one command of the sandboxed set in
``terminal.py`` and answers ``{stdout, stderr, exit_code, cwd}``.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Control, Handler
from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import terminal
from twinstack.packs.g4fagent.errors import invalid_request
from twinstack.packs.g4fagent.handlers.projects import PROJECTS
from twinstack.packs.g4fagent.records import Family, body_of, iso, obj, text
from twinstack.packs.g4fagent.workspace import Workspace

TERMINALS = Family(noun="terminal", collection="/terminals", prefix="term", id_param="terminal_id", label="Terminal",
                   indexed=("project_id", "status"))
SHELLS = ("bash", "pwsh", "cmd", "zsh")
MAX_RUNNING = 16
IDLE_SECONDS = 1800
MAX_ENV = 100


def _idle(record: dict[str, Any], now: float) -> bool:
    return float(record.get("_last_used", 0)) + IDLE_SECONDS <= now


def _running(ctx: RequestContext) -> int:
    """Running terminals of the tenant; idle ones are marked killed on the way (at most MAX_RUNNING are read)."""
    state = TERMINALS.state(ctx)
    alive = 0
    for record in state.find({"status": "running"}, limit=MAX_RUNNING + 1).items:
        if _idle(record, ctx.now):
            state.put(str(record["id"]), {**record, "status": "killed", "ended_at": iso(ctx.now)})
        else:
            alive += 1
    return alive


def _env(body: dict[str, Any]) -> dict[str, str]:
    env = obj(body, "env")
    if len(env) > MAX_ENV:
        raise invalid_request(f"env holds more than {MAX_ENV} variables.", "env")
    if not all(isinstance(k, str) and isinstance(v, (str, int, float)) and not isinstance(v, bool) for k, v in env.items()):
        raise invalid_request("env values must be strings.", "env")
    return {k: str(v) for k, v in env.items()}


async def post_terminal(ctx: RequestContext) -> dict[str, Any]:
    project = PROJECTS.load(ctx)
    ws = Workspace.of(ctx.twin, ctx.tenant, project)
    body = body_of(ctx)
    shell = text(body, "shell", required=True).lower()
    if shell not in SHELLS:
        raise invalid_request(f"shell must be one of {', '.join(SHELLS)}.", "shell")
    cwd = text(body, "cwd") or "."
    target = ws.resolve(cwd, allow_root=True)
    if not target.is_dir():
        raise invalid_request("cwd is not a folder of the project.", "cwd")
    env = _env(body)
    if _running(ctx) >= MAX_RUNNING:
        raise invalid_request(f"At most {MAX_RUNNING} terminals may run at once; kill one first.", "shell")
    record = TERMINALS.create(ctx, {
        "project_id": project["id"], "shell": shell, "cwd": ws.relative(target) or ".", "env": env,
        "status": "running", "_last_used": ctx.now,
    }, updated_at=False)
    return {"terminal_id": record["id"]}


async def post_kill(ctx: RequestContext) -> dict[str, Any]:
    state = TERMINALS.state(ctx)
    found = state.get(str(ctx.path.get("terminal_id", "")))
    if found is not None and found.get("status") == "running":
        state.put(str(found["id"]), {**found, "status": "killed", "ended_at": iso(ctx.now)})
    return {"ok": True}


async def run_control(twin: Twin, body: dict[str, Any], request: Any) -> Any:
    """Run one command in a running terminal: ``{tenant, terminal_id, command}``."""
    tenant, tid, command = (str(body.get(name) or "") for name in ("tenant", "terminal_id", "command"))
    if not tenant or not tid:
        return {"error": "expected {\"tenant\": <id>, \"terminal_id\": <id>, \"command\": <line>}"}
    state = twin.collection(tenant, TERMINALS.collection)
    record = state.get(tid)
    now = twin.clock.now()
    if record is None:
        return {"error": f"no terminal {tid} in tenant {tenant}"}
    if record.get("status") != "running" or _idle(record, now):
        return {"error": f"terminal {tid} is not running", "status": "killed"}
    project = twin.collection(tenant, PROJECTS.collection).get(str(record["project_id"]))
    if project is None:
        return {"error": f"terminal {tid} has no project"}
    session = terminal.Session(cwd=str(record.get("cwd") or "."), env=dict(record.get("env") or {}))
    result = terminal.run(Workspace.of(twin, tenant, project), session, command)
    updated = {**record, "cwd": session.cwd, "_last_used": now}
    if session.exited:
        updated.update(status="killed", ended_at=iso(now))
    state.put(tid, updated)
    return {"stdout": result.stdout, "stderr": result.stderr, "exit_code": result.exit_code, "cwd": session.cwd}


HANDLERS: dict[str, Handler] = {
    "post_projects_project_id_terminal_sessions": post_terminal,
    "post_projects_project_id_terminal_terminal_id_kill": post_kill,
}
INDEXES: dict[str, tuple[str, ...]] = dict([TERMINALS.index()])
CONTROLS: dict[str, Control] = {"terminal-run": run_control}
