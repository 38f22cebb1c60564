"""Deployments: a simulated pipeline on the twin clock, deploying a real revision of the project's repository.

A deployment is created ``queued`` with the log "Deployment queued"; its
``revision`` (default ``HEAD``) is resolved at once to the commit hash it names
in the workspace's git repository, so the record says exactly what was
deployed. A job of kind ``g4fagent.deploy_step`` then runs the steps
``prepare``, ``build``, ``deploy``, ``verify``: each is appended as
``{id: "dstep_…", name, status: "running", ts}`` with the log "Step started:
<name>" and marked ``done`` when the next begins; ``build`` packs the tree of
that commit into a ZIP artifact (``artifact_id``, logged); progress goes 0, .25, .5,
.75, 1.0 and the deployment ends ``succeeded`` ("Deployment succeeded", an
``info`` notification). A revision that names no commit (or a repository
without commits) fails the ``build`` step: status ``failed``, an ``error`` log
and notification [decision]. Cancel of a deployment not yet terminal makes it
``canceled`` (progress 1.0, warn log "Deployment canceled by user", then
"Deployment canceled" as upstream's worker logs it); of a terminal one, 400
``invalid_state`` [decision].

Phase ``p`` is due at the creation time plus ``QUEUED_S + STEP_S * p``
realistic seconds (scaled by ``--speed``), so a clock advance runs every phase
that fell due at once.
"""

from __future__ import annotations

import zipfile
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.g4fagent import notifications, repo, uploads
from twinstack.packs.g4fagent.errors import ApiError
from twinstack.packs.g4fagent.handlers.artifacts_uploads import ARTIFACTS
from twinstack.packs.g4fagent.handlers.projects import PROJECTS
from twinstack.packs.g4fagent.records import Family, iso, new_id
from twinstack.packs.g4fagent.workspace import Workspace
from twinstack.store import Job

DEPLOYMENTS = Family(noun="deployment", collection="/deployments", prefix="dep", id_param="deployment_id",
                     label="Deployment", keyed=("env", "status"), indexed=("project_id",))
LOGS = "/deployment_logs"
LOG_INDEXES: dict[str, tuple[str, ...]] = {LOGS: ("_deployment_id",)}
STEP_JOB = "g4fagent.deploy_step"
STEPS = ("prepare", "build", "deploy", "verify")
TERMINAL = frozenset({"succeeded", "failed", "canceled"})
QUEUED_S = 1.0
STEP_S = 2.0


def job_id(tenant: str, deployment_id: str) -> str:
    return f"g4fagent-deploy-{tenant}-{deployment_id}"


def public(deployment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in deployment.items() if not k.startswith("_")}


def log(twin: Twin, tenant: str, deployment_id: str, level: str, text: str) -> None:
    entry = {"ts": iso(twin.clock.now()), "level": level, "text": text, "_deployment_id": deployment_id}
    twin.collection(tenant, LOGS).put(new_id("dlog"), entry)


def logs(twin: Twin, tenant: str, deployment_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], bool]:
    window = twin.collection(tenant, LOGS).find({"_deployment_id": deployment_id}, limit=limit, offset=offset)
    return [{k: v for k, v in e.items() if not k.startswith("_")} for e in window.items], window.cursor is not None


def create(twin: Twin, tenant: str, project_id: str, fields: dict[str, Any], commit: str | None,
           base_path: str) -> dict[str, Any]:
    """A new ``queued`` deployment; ``commit`` is what ``fields["revision"]`` resolved to (None: nothing);
    ``base_path`` is where the API is mounted for the caller (the build's artifact URL)."""
    now = twin.clock.now()
    deployment = {
        "id": new_id(DEPLOYMENTS.prefix), "project_id": project_id, "env": fields["env"], "target": fields["target"],
        "revision": commit or fields["revision"], "requested_revision": fields["revision"],
        "strategy": fields["strategy"], "status": "queued", "progress": 0.0, "created_at": iso(now),
        "started_at": None, "ended_at": None, "steps": [], "_t0": now, "_phase": 0, "_resolved": commit is not None,
        "artifact_id": None, "_base_path": base_path,
    }
    with twin.store.transaction():
        _save(twin, tenant, deployment)
        log(twin, tenant, deployment["id"], "info", "Deployment queued")
    _schedule(twin, tenant, deployment)
    return deployment


def _save(twin: Twin, tenant: str, deployment: dict[str, Any]) -> None:
    DEPLOYMENTS.put(twin.collection(tenant, DEPLOYMENTS.collection), deployment)


def _schedule(twin: Twin, tenant: str, deployment: dict[str, Any]) -> None:
    due = float(deployment["_t0"]) + twin.clock.duration(QUEUED_S + STEP_S * int(deployment["_phase"]))
    twin.scheduler.schedule(STEP_JOB, due - twin.clock.now(), service=twin.slug, tenant=tenant,
                            payload={"deployment_id": deployment["id"]}, job_id=job_id(tenant, str(deployment["id"])))


def cancel(twin: Twin, tenant: str, deployment: dict[str, Any]) -> None:
    twin.scheduler.cancel(job_id(tenant, str(deployment["id"])))
    stamp = iso(twin.clock.now())
    deployment.update(status="canceled", progress=1.0, ended_at=stamp)
    with twin.store.transaction():
        _save(twin, tenant, deployment)
        log(twin, tenant, deployment["id"], "warn", "Deployment canceled by user")
        log(twin, tenant, deployment["id"], "info", "Deployment canceled")


async def step_job(twin: Twin, job: Job) -> None:
    """One phase of a deployment's pipeline (the ``g4fagent.deploy_step`` job)."""
    deployment = twin.collection(job.tenant, DEPLOYMENTS.collection).get(str(job.payload.get("deployment_id", "")))
    if deployment is None or deployment.get("status") in TERMINAL:
        return
    tenant, phase, stamp = job.tenant, int(deployment.get("_phase", 0)), iso(twin.clock.now())
    steps: list[dict[str, Any]] = list(deployment.get("steps") or [])
    with twin.store.transaction():
        if steps and steps[-1]["status"] == "running":
            steps[-1] = {**steps[-1], "status": "done", "ended_at": stamp}
        deployment["progress"] = round(0.25 * phase, 2)
        if phase == 0:
            deployment.update(status="running", started_at=stamp)
        if phase >= len(STEPS):
            deployment.update(status="succeeded", progress=1.0, ended_at=stamp, steps=steps)
            _save(twin, tenant, deployment)
            log(twin, tenant, deployment["id"], "info", "Deployment succeeded")
            _announce(twin, tenant, deployment, "info", "Deployment succeeded",
                      f"{deployment['env']} / {deployment['target']} is running revision {deployment['revision']}.")
            return
        name = STEPS[phase]
        steps.append({"id": new_id("dstep"), "name": name, "status": "running", "ts": stamp})
        log(twin, tenant, deployment["id"], "info", f"Step started: {name}")
        if name == "build" and not deployment.get("_resolved"):
            steps[-1] = {**steps[-1], "status": "failed", "ended_at": stamp}
            deployment.update(status="failed", ended_at=stamp, steps=steps)
            _save(twin, tenant, deployment)
            problem = f"Revision not found: {deployment.get('requested_revision')}"
            log(twin, tenant, deployment["id"], "error", f"Step failed: build: {problem}")
            _announce(twin, tenant, deployment, "error", "Deployment failed", problem)
            return
        if name == "build":
            artifact = _package(twin, tenant, deployment)
            deployment["artifact_id"] = artifact["id"]
            log(twin, tenant, deployment["id"], "info",
                f"Built {artifact['file_count']} file{'' if artifact['file_count'] == 1 else 's'} at "
                f"{deployment['revision']} into artifact {artifact['id']}")
        deployment["steps"], deployment["_phase"] = steps, phase + 1
        _save(twin, tenant, deployment)
    _schedule(twin, tenant, deployment)


def _package(twin: Twin, tenant: str, deployment: dict[str, Any]) -> dict[str, Any]:
    """A ZIP artifact of the repository's tree at the deployment's commit (the build's output)."""
    # dulwich on first use, as in ``repo``: loading it with the pack costs the start about 65 ms.
    from dulwich.objects import Blob, Commit, Tree

    artifact_id = new_id(ARTIFACTS.prefix)
    target = uploads.blob_path(twin, tenant, "artifacts", artifact_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    count = 0
    project = twin.collection(tenant, PROJECTS.collection).get(str(deployment["project_id"]))
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if project is not None:
            try:
                with repo.opened(Workspace.of(twin, tenant, project)) as git:
                    commit = git[str(deployment["revision"]).encode()]
                    tree = git[commit.tree] if isinstance(commit, Commit) else None
                    for entry in git.object_store.iter_tree_contents(tree.id) if isinstance(tree, Tree) else ():
                        blob = git[entry.sha] if entry.sha is not None else None
                        if isinstance(blob, Blob) and entry.path is not None:
                            archive.writestr(entry.path.decode("utf-8", "replace"), blob.as_raw_string())
                            count += 1
            except (ApiError, KeyError):
                pass  # the project or its repository went away meanwhile: an empty build
    partial.replace(target)
    artifact = {"id": artifact_id, "project_id": deployment["project_id"], "type": "zip",
                "label": f"build of {deployment['id']}", "paths": [], "size_bytes": target.stat().st_size,
                "sha256": uploads.sha256_of(target), "download_url": f"{deployment['_base_path']}/artifacts/{artifact_id}",
                "created_at": iso(twin.clock.now()), "file_count": count, "deployment_id": deployment["id"]}
    ARTIFACTS.put(twin.collection(tenant, ARTIFACTS.collection), artifact)
    return artifact


def _announce(twin: Twin, tenant: str, deployment: dict[str, Any], level: str, title: str, body: str) -> None:
    notifications.notify(twin, tenant, level, title, body, deployment_id=str(deployment["id"]),
                         project_id=str(deployment["project_id"]))
