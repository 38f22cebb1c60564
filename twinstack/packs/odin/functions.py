"""ODIN functions: drafts, immutable published versions with a real build check, and simulated deployments.

Publishing freezes the draft into the next version (``building``); a durable
job then checks it for real: ``node --check`` on the code where Node.js is
installed (its output is ``buildLogs``, its error ``buildError``), and in any
case that the entrypoint is exported. The version becomes ``ready`` or
``failed``. A deployment moves ``pending -> deploying -> running`` on the twin
clock (``failed`` when its version failed); user code is never executed, so
``requestCount`` stays 0.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from twinstack.engine.state import Collection
from twinstack.engine.twin import Twin
from twinstack.packs.odin.events import emit_for
from twinstack.packs.odin.functions_runtime import SOURCE_FLEET
from twinstack.store import Job

FUNCTIONS = "functions"
VERSIONS = "function-versions"
DEPLOYMENTS = "function-deployments"
SLUGS = "function-slugs"
"""``<projectId>/<slug>`` -> ``{"functionId"}``: a slug is unique in its project."""
INDEXES: dict[str, tuple[str, ...]] = {FUNCTIONS: ("_projectId",), VERSIONS: ("functionId",),
                                       DEPLOYMENTS: ("functionId", "status")}
BUILD_JOB = "odin.functions.build"
DEPLOY_JOB = "odin.functions.deploy"
BUILD_SECONDS = 2.0
DEPLOY_SECONDS = 4.0
NODE_CHECK_TIMEOUT = 20.0


def functions(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, FUNCTIONS)


def versions(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, VERSIONS)


def deployments(twin: Twin, tenant: str) -> Collection:
    return twin.collection(tenant, DEPLOYMENTS)


def shown(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def view(twin: Twin, tenant: str, record: dict[str, Any]) -> dict[str, Any]:
    out = shown(record)
    deployment_id = record.get("_deploymentId")
    deployment = deployments(twin, tenant).get(str(deployment_id)) if deployment_id else None
    if deployment is not None:
        out["activeDeployment"] = shown(deployment)
    return out


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def take_slug(twin: Twin, tenant: str, project_id: str, slug: str, function_id: str) -> bool:
    return twin.collection(tenant, SLUGS).insert(f"{project_id}/{slug}", {"functionId": function_id})


def drop(twin: Twin, tenant: str, record: dict[str, Any]) -> None:
    """Delete the function with its versions, deployments and slug."""
    function_id = str(record["id"])
    with twin.store.transaction():
        # A function's versions and deployments are what is deleted with it: reading them all is the deletion.
        for version in versions(twin, tenant).find({"functionId": function_id}).items:
            versions(twin, tenant).delete(str(version["id"]))
            twin.scheduler.cancel(f"{BUILD_JOB}:{version['id']}")
        for deployment in deployments(twin, tenant).find({"functionId": function_id}).items:
            deployments(twin, tenant).delete(str(deployment["id"]))
            twin.scheduler.cancel(f"{DEPLOY_JOB}:{deployment['id']}")
        twin.collection(tenant, SLUGS).delete(f"{record['projectId']}/{record['slug']}")
        functions(twin, tenant).delete(function_id)


def publish(twin: Twin, tenant: str, record: dict[str, Any], published_by: str, changelog: str | None) -> dict[str, Any]:
    number = int(record.get("_lastVersion") or 0) + 1
    now = twin.clock.iso(millis=True)
    version: dict[str, Any] = {
        "id": str(uuid.uuid4()), "functionId": record["id"], "version": number, "code": record["draftCode"],
        "entrypoint": record["draftEntrypoint"], "status": "building", "runtime": record["runtime"],
        "timeout": record["timeout"], "memory": record["memory"], "publishedBy": published_by,
    }
    if changelog:
        version["changelog"] = changelog
    version["createdAt"] = now
    updated = {**record, "_lastVersion": number, "publishedVersionId": version["id"], "status": "published",
               "updatedAt": now}
    with twin.store.transaction():
        versions(twin, tenant).put(version["id"], version)
        functions(twin, tenant).put(str(record["id"]), updated)
        twin.scheduler.schedule(BUILD_JOB, twin.clock.duration(BUILD_SECONDS), service=twin.slug, tenant=tenant,
                                payload={"versionId": version["id"]}, job_id=f"{BUILD_JOB}:{version['id']}")
    return version


def _exports(code: str, entrypoint: str) -> bool:
    name = re.escape(entrypoint)
    patterns = (
        rf"\bexports\.{name}\s*=", rf"\bmodule\.exports\.{name}\s*=", rf"\bmodule\.exports\s*=\s*\{{[^}}]*\b{name}\b",
        rf"\bexport\s+(async\s+)?function\s+{name}\b", rf"\bexport\s+(const|let|var)\s+{name}\b",
        rf"\bexport\s*\{{[^}}]*\b{name}\b",
    )
    return any(re.search(p, code) for p in patterns)


async def check_code(code: str, entrypoint: str) -> tuple[bool, str, str | None]:
    """(built, build log, error): the syntax as Node.js sees it, then the entrypoint's export."""
    logs: list[str] = []
    node = shutil.which("node")
    if node is not None:
        with tempfile.TemporaryDirectory(prefix="odin-fn-") as folder:
            source = Path(folder) / "index.js"
            # Code is stored as sent; a lone surrogate is written through so Node.js judges it, not Python.
            source.write_bytes(code.encode("utf-8", "surrogatepass"))
            try:
                process = await asyncio.create_subprocess_exec(node, "--check", str(source),
                                                               stdout=asyncio.subprocess.PIPE,
                                                               stderr=asyncio.subprocess.PIPE)
            except OSError as exc:
                return False, f"node --check could not run: {exc}", "Syntax check could not run"
            try:
                out, err = await asyncio.wait_for(process.communicate(), NODE_CHECK_TIMEOUT)
            except asyncio.TimeoutError:
                process.kill()
                return False, "node --check timed out", "Syntax check timed out"
            logs.append(f"$ node --check index.js (exit {process.returncode})")
            text = (out + err).decode(errors="replace").replace(str(source), "index.js").strip()
            if text:
                logs.append(text)
            if process.returncode != 0:
                first = next((line for line in text.splitlines() if "Error" in line), "Syntax error")
                return False, "\n".join(logs), first.strip()
    else:
        logs.append("node not installed: syntax check skipped")
    if not _exports(code, entrypoint):
        logs.append(f"entrypoint '{entrypoint}' is not exported")
        return False, "\n".join(logs), f"Entrypoint '{entrypoint}' is not exported"
    logs.append(f"entrypoint '{entrypoint}' found")
    return True, "\n".join(logs), None


async def run_build(twin: Twin, job: Job) -> None:
    version = versions(twin, job.tenant).get(str(job.payload.get("versionId", "")))
    if version is None or version["status"] != "building":
        return
    built, logs, error = await check_code(str(version["code"]), str(version["entrypoint"]))
    fresh = versions(twin, job.tenant).get(str(version["id"]))
    if fresh is None:
        return  # deleted with its function while it was checked
    fresh.update(status="ready" if built else "failed", buildLogs=logs)
    if error:
        fresh["buildError"] = error
    versions(twin, job.tenant).put(str(version["id"]), fresh)


def deploy(twin: Twin, tenant: str, record: dict[str, Any], invoke_url: str) -> dict[str, Any]:
    now = twin.clock.iso(millis=True)
    deployment: dict[str, Any] = {
        "id": str(uuid.uuid4()), "functionId": record["id"], "versionId": record["publishedVersionId"],
        "status": "pending", "invokeUrl": invoke_url, "requestCount": 0, "createdAt": now, "updatedAt": now,
    }
    with twin.store.transaction():
        previous = record.get("_deploymentId")
        if previous:
            stop(twin, tenant, record)
        deployments(twin, tenant).put(deployment["id"], deployment)
        functions(twin, tenant).put(str(record["id"]), {**record, "_deploymentId": deployment["id"], "updatedAt": now})
        _next_deploy_step(twin, tenant, deployment)
        emit_for(twin, tenant, "deployment.created", shown(deployment), project_id=str(record["projectId"]),
                 resource_id=f"deployment:{deployment['id']}", source=SOURCE_FLEET)
    return deployment


def _next_deploy_step(twin: Twin, tenant: str, deployment: dict[str, Any]) -> None:
    twin.scheduler.schedule(DEPLOY_JOB, twin.clock.duration(DEPLOY_SECONDS), service=twin.slug, tenant=tenant,
                            payload={"deploymentId": deployment["id"]}, job_id=f"{DEPLOY_JOB}:{deployment['id']}")


def run_deploy(twin: Twin, job: Job) -> None:
    """One deployment step: ``pending -> deploying -> running``, waiting for a version still building."""
    deployment = deployments(twin, job.tenant).get(str(job.payload.get("deploymentId", "")))
    if deployment is None or deployment["status"] not in ("pending", "deploying"):
        return
    version = versions(twin, job.tenant).get(str(deployment["versionId"]))
    now = twin.clock.iso(millis=True)
    if version is None or version["status"] == "failed":
        deployment.update(status="failed", lastError="Version build failed", updatedAt=now)
    elif deployment["status"] == "pending":
        deployment.update(status="deploying", updatedAt=now, fleetServiceId=str(uuid.uuid4()))
        _next_deploy_step(twin, job.tenant, deployment)
    elif version["status"] == "building":
        _next_deploy_step(twin, job.tenant, deployment)
        return
    else:
        deployment.update(status="running", updatedAt=now)
    deployments(twin, job.tenant).put(str(deployment["id"]), deployment)


def stop(twin: Twin, tenant: str, record: dict[str, Any]) -> dict[str, Any] | None:
    """Stop the function's deployment; the stopped deployment, or None when there is none to stop."""
    deployment_id = record.get("_deploymentId")
    deployment = deployments(twin, tenant).get(str(deployment_id)) if deployment_id else None
    if deployment is None or deployment["status"] in ("stopped", "failed"):
        return None
    deployment.update(status="stopped", updatedAt=twin.clock.iso(millis=True))
    deployments(twin, tenant).put(str(deployment["id"]), deployment)
    twin.scheduler.cancel(f"{DEPLOY_JOB}:{deployment['id']}")
    return deployment


JOBS = {BUILD_JOB: run_build, DEPLOY_JOB: run_deploy}
