"""ODIN Functions, project side: settings, the Fleet activation, the runtime, and the static catalogues.

Nothing runs on a real Fleet: activation walks Cortex's documented steps
(``pending -> registry -> image -> config -> deployment -> server -> complete``)
as durable jobs on the twin clock, one step each ``STEP_SECONDS`` (scaled by
``--speed``), assigning the Fleet ids as it goes (sequential numbers of this
twin) and emitting the Fleet's events (``image.*``, ``config.*``,
``deployment.created``, ``server.*``, source ``fleet:api``). The runtime moves
``stopped -> starting -> running`` and back the same way; dependency and
environment changes restart it. Secret environment values are sealed at rest
and shown as ``***``.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.odin.app_settings import seal
from twinstack.packs.odin.events import emit_for
from twinstack.store import Job

SETTINGS = "functions/settings"
"""One record per project, by project id."""
ACTIVATION_JOB = "odin.functions.activation"
RUNTIME_JOB = "odin.functions.runtime"
STEP_SECONDS = 3.0
RUNTIME_SECONDS = 5.0
SOURCE_FLEET = "fleet:api"
MASK = "***"

STEPS = ("pending", "registry", "image", "config", "deployment", "server", "complete")
STEP_EVENTS: dict[str, tuple[str, ...]] = {
    "image": ("image.created", "image.ready"),
    "config": ("config.created", "config.ready"),
    "deployment": ("deployment.created",),
    "server": ("server.created", "server.started", "server.running"),
}
"""Fleet events each activation step emits (types from the ingest catalogue)."""

RESOURCE_PACKAGES: tuple[dict[str, Any], ...] = (
    {"id": 1, "name": "Fleet S1", "slug": "fleet-s1", "type": "shared", "cpuLimit": 0.5, "memoryLimitMiB": 512},
    {"id": 2, "name": "Fleet S2", "slug": "fleet-s2", "type": "shared", "cpuLimit": 1, "memoryLimitMiB": 1024},
    {"id": 3, "name": "Fleet D1", "slug": "fleet-d1", "type": "dedicated", "cpuLimit": 2, "memoryLimitMiB": 4096},
)
LOCATIONS: tuple[dict[str, Any], ...] = (
    {"city": "frankfurt", "cityDisplay": "Frankfurt, Germany", "continent": "europe", "country": "de", "isProtected": False},
    {"city": "amsterdam", "cityDisplay": "Amsterdam, Netherlands", "continent": "europe", "country": "nl",
     "isProtected": True},
    {"city": "ashburn", "cityDisplay": "Ashburn, United States", "continent": "north-america", "country": "us",
     "isProtected": False},
    {"city": "singapore", "cityDisplay": "Singapore", "continent": "asia", "country": "sg", "isProtected": False},
)
RUNTIME_VERSIONS: tuple[dict[str, Any], ...] = (
    {"version": "v1", "node": 20, "releasedAt": "2026-01-15", "notes": "Node.js 20 runtime", "breaking": False},
    {"version": "v2", "node": 22, "releasedAt": "2026-06-03", "notes": "Node.js 22 runtime; ESM entrypoints",
     "breaking": True},
)
LATEST_VERSION = RUNTIME_VERSIONS[-1]["version"]
DEFAULTS: dict[str, Any] = {"isActivated": False, "maxFunctions": 10, "maxMemoryPerFunction": 512,
                            "dependencies": [], "envVars": [], "_runtime": "stopped", "_runtimeVersion": None}


def settings(twin: Twin, tenant: str, project_id: str) -> dict[str, Any]:
    found = twin.collection(tenant, SETTINGS).get(project_id)
    return {**DEFAULTS, **found} if found is not None else dict(DEFAULTS)


def save(twin: Twin, tenant: str, project_id: str, record: dict[str, Any]) -> None:
    twin.collection(tenant, SETTINGS).put(project_id, record)


def view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def sealed_env(twin: Twin, variables: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(what the API shows, what is stored) for a list of environment variables."""
    shown: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    for var in variables:
        secret = bool(var.get("isSecret", False))
        shown.append({"key": var["key"], "value": MASK if secret else str(var["value"]), "isSecret": secret})
        stored.append({"key": var["key"], "value": seal(twin, str(var["value"])) if secret else str(var["value"]),
                       "isSecret": secret})
    return shown, stored


def _fleet_id(twin: Twin, kind: str) -> int:
    return 1000 + twin.store.kv_increment("odin:fleet-ids", kind)


def start_activation(twin: Twin, tenant: str, project_id: str, record: dict[str, Any], fields: dict[str, Any]) -> None:
    record.update(activationStep="pending", fleetAppId=_fleet_id(twin, "app"), **fields)
    record.pop("activationError", None)
    with twin.store.transaction():
        save(twin, tenant, project_id, record)
        twin.scheduler.schedule(ACTIVATION_JOB, twin.clock.duration(STEP_SECONDS), service=twin.slug, tenant=tenant,
                                payload={"projectId": project_id}, job_id=f"{ACTIVATION_JOB}:{project_id}")


def run_activation(twin: Twin, job: Job) -> None:
    """One activation step: assign what the step creates, emit its events, schedule the next."""
    project_id = str(job.payload.get("projectId", ""))
    record = settings(twin, job.tenant, project_id)
    step = record.get("activationStep")
    if step not in STEPS or step == "complete":
        return
    following = STEPS[STEPS.index(step) + 1]
    record["activationStep"] = following
    if following == "registry":
        record["fleetRegistryId"] = _fleet_id(twin, "registry")
    elif following == "image":
        record["fleetImageId"] = str(_fleet_id(twin, "image"))
    elif following == "config":
        record["fleetServerConfigId"] = str(_fleet_id(twin, "config"))
    elif following == "deployment":
        record["fleetDeploymentId"] = _fleet_id(twin, "deployment")
    elif following == "complete":
        record.update(isActivated=True, _runtime="running", _serverCount=1, _runtimeVersion=LATEST_VERSION)
    with twin.store.transaction():
        save(twin, job.tenant, project_id, record)
        for event_type in STEP_EVENTS.get(following, ()):
            emit_for(twin, job.tenant, event_type, _fleet_data(record, following), project_id=project_id,
                     resource_id=f"{following}:{_fleet_data(record, following)['id']}", source=SOURCE_FLEET)
        if following != "complete":
            twin.scheduler.schedule(ACTIVATION_JOB, twin.clock.duration(STEP_SECONDS), service=twin.slug,
                                    tenant=job.tenant, payload=job.payload, job_id=f"{ACTIVATION_JOB}:{project_id}")


def _fleet_data(record: dict[str, Any], step: str) -> dict[str, Any]:
    ids = {"image": record.get("fleetImageId"), "config": record.get("fleetServerConfigId"),
           "deployment": record.get("fleetDeploymentId"), "server": record.get("fleetDeploymentId")}
    return {"id": str(ids.get(step)), "appId": record.get("fleetAppId"), "step": step}


def runtime_view(record: dict[str, Any], message: str = "") -> dict[str, Any]:
    status = str(record.get("_runtime") or "stopped")
    version = record.get("_runtimeVersion")
    return {
        "status": status,
        "serverCount": int(record.get("_serverCount") or 0) if status == "running" else 0,
        **({"fleetDeploymentId": record["fleetDeploymentId"]} if record.get("fleetDeploymentId") else {}),
        "message": message or f"Runtime is {status}",
        "runtimeVersion": version,
        "latestVersion": LATEST_VERSION,
        "upgradeAvailable": version != LATEST_VERSION,
    }


def move_runtime(twin: Twin, tenant: str, project_id: str, record: dict[str, Any], passing: str, target: str) -> None:
    """Set the runtime to ``passing`` now and to ``target`` after ``RUNTIME_SECONDS`` (a restart passes through
    ``starting``)."""
    record["_runtime"] = passing
    record["_runtimeTarget"] = target
    with twin.store.transaction():
        save(twin, tenant, project_id, record)
        twin.scheduler.schedule(RUNTIME_JOB, twin.clock.duration(RUNTIME_SECONDS), service=twin.slug, tenant=tenant,
                                payload={"projectId": project_id}, job_id=f"{RUNTIME_JOB}:{project_id}")


def run_runtime(twin: Twin, job: Job) -> None:
    project_id = str(job.payload.get("projectId", ""))
    record = settings(twin, job.tenant, project_id)
    target = record.pop("_runtimeTarget", None)
    if target is None:
        return
    record["_runtime"] = target
    record["_serverCount"] = 1 if target == "running" else 0
    with twin.store.transaction():
        save(twin, job.tenant, project_id, record)
        emit_for(twin, job.tenant, "server.running" if target == "running" else "server.stopped",
                 {"id": str(record.get("fleetDeploymentId")), "appId": record.get("fleetAppId"), "status": target},
                 project_id=project_id, resource_id=f"server:{record.get('fleetDeploymentId')}", source=SOURCE_FLEET)


def restart_if_running(twin: Twin, tenant: str, project_id: str, record: dict[str, Any]) -> None:
    if record.get("_runtime") in ("running", "starting"):
        move_runtime(twin, tenant, project_id, record, "starting", "running")
    else:
        save(twin, tenant, project_id, record)


NPM_SNAPSHOT: dict[str, dict[str, Any]] = {
    "node-mailjet": {"versions": ["6.0.6", "6.0.5", "6.0.4", "5.1.1"], "distTags": {"latest": "6.0.6"}},
    "axios": {"versions": ["1.7.9", "1.7.8", "1.6.8", "0.28.1"], "distTags": {"latest": "1.7.9"}},
    "lodash": {"versions": ["4.17.21", "4.17.20", "4.17.19"], "distTags": {"latest": "4.17.21"}},
    "dayjs": {"versions": ["1.11.13", "1.11.12", "1.11.11"], "distTags": {"latest": "1.11.13"}},
    "uuid": {"versions": ["11.0.3", "10.0.0", "9.0.1"], "distTags": {"latest": "11.0.3"}},
    "zod": {"versions": ["3.24.1", "3.23.8", "3.22.4"], "distTags": {"latest": "3.24.1", "next": "3.25.0-beta.1"}},
    "@4players/odin-tokens": {"versions": ["1.4.0", "1.3.0", "1.2.1"], "distTags": {"latest": "1.4.0"}},
}
"""A built-in snapshot of common packages (the twin does not reach the npm registry at run time)."""

JOBS = {ACTIVATION_JOB: run_activation, RUNTIME_JOB: run_runtime}
