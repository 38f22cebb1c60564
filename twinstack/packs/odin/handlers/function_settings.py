"""Tag ``Functions`` (project settings): activation on a simulated Fleet, the runtime, dependencies, env vars.

Validation is real (known packages, locations and runtime versions, npm names
and semver ranges, environment names); the Fleet side is simulated on the
twin clock (``functions_runtime.py``).
"""

from __future__ import annotations

import re
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, NotFound, ValidationFailed
from twinstack.packs.odin import functions_runtime as runtime
from twinstack.packs.odin.project_scope import bad_field, refused, require_project, whole_number

JOBS = runtime.JOBS
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
NPM_NAME = re.compile(r"^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$")
DIST_TAG = re.compile(r"^[a-z][a-z0-9._-]*$")


def _project(ctx: RequestContext) -> tuple[str, dict[str, Any]]:
    project_id = str(require_project(ctx)["id"])
    return project_id, runtime.settings(ctx.twin, ctx.tenant, project_id)


def _activated(record: dict[str, Any]) -> None:
    if not record.get("isActivated"):
        raise refused("Functions are not activated for this project")


async def get_settings(ctx: RequestContext) -> Any:
    return runtime.view(_project(ctx)[1])


async def update_settings(ctx: RequestContext) -> Any:
    project_id, record = _project(ctx)
    body: dict[str, Any] = ctx.body
    if "maxFunctions" in body:
        wanted = whole_number(body["maxFunctions"], "maxFunctions", default=0, minimum=1, location="body")
        if wanted > int(record["maxFunctions"]):
            raise bad_field("body", "maxFunctions", "cannot be raised without a plan upgrade", wanted)
        record["maxFunctions"] = wanted
    if "maxMemoryPerFunction" in body:
        memory = whole_number(body["maxMemoryPerFunction"], "maxMemoryPerFunction", default=0, minimum=128,
                              location="body")
        if memory > runtime.DEFAULTS["maxMemoryPerFunction"]:
            raise bad_field("body", "maxMemoryPerFunction", "cannot be raised without a plan upgrade", memory)
        record["maxMemoryPerFunction"] = memory
    if body.get("fleetRegion") is not None:
        record["fleetRegion"] = str(body["fleetRegion"])
    runtime.save(ctx.twin, ctx.tenant, project_id, record)
    return runtime.view(record)


async def verify_credentials(ctx: RequestContext) -> Any:
    require_project(ctx)
    principal = ctx.principal
    email = str(principal.claims.get("email", "")) if principal is not None else ""
    if not email:
        # An API key belongs to the tenant, whose account is its admin's.
        tenant = ctx.store.get_tenant(ctx.tenant) or {}
        email = str(((tenant.get("data") or {}).get("credentials") or {}).get(ctx.slug, {}).get("email", ""))
    return {"valid": True, "email": email}


async def resource_packages(ctx: RequestContext) -> Any:
    require_project(ctx)
    return [dict(p) for p in runtime.RESOURCE_PACKAGES]


async def locations(ctx: RequestContext) -> Any:
    require_project(ctx)
    return [dict(place) for place in runtime.LOCATIONS]


async def activate(ctx: RequestContext) -> Any:
    project_id, record = _project(ctx)
    if record.get("isActivated"):
        raise refused("Functions are already activated")
    if record.get("activationStep") not in (None, "error"):
        raise refused("Activation is already in progress")
    body: dict[str, Any] = ctx.body
    package = str(body.get("resourcePackage") or "fleet-s1")
    if package not in {p["slug"] for p in runtime.RESOURCE_PACKAGES}:
        raise bad_field("body", "resourcePackage", "must be a known resource package", package)
    place = next((p for p in runtime.LOCATIONS if p["city"] == body.get("locationCity")), None)
    if place is None:
        raise bad_field("body", "locationCity", "must be a known deployment location", body.get("locationCity"))
    for name in ("locationContinent", "locationCountry"):
        if body.get(name) != place[name[len("location"):].lower()]:
            raise bad_field("body", name, f"does not match the location {place['city']}", body.get(name))
    runtime.start_activation(ctx.twin, ctx.tenant, project_id, record,
                             {"resourcePackageSlug": package, "locationCity": place["city"]})
    return Reply({"message": "Activation started"}, status=201)


def _dependency_issues(items: list[Any]) -> list[FieldIssue]:
    # On first use: semantic_version reads package metadata as it loads, about 18 ms of the start.
    import semantic_version  # type: ignore[import-untyped]

    issues: list[FieldIssue] = []
    for i, item in enumerate(items):
        name, version = str(item.get("name", "")), str(item.get("version", ""))
        if not NPM_NAME.match(name) or len(name) > 214:
            issues.append(FieldIssue("body", ("dependencies", i, "name"), "must be a valid npm package name", "rule", name))
        if not DIST_TAG.match(version):
            try:
                semantic_version.NpmSpec(version)
            except ValueError:
                issues.append(FieldIssue("body", ("dependencies", i, "version"),
                                         "must be a semver range or a dist tag", "rule", version))
    return issues


async def update_dependencies(ctx: RequestContext) -> Any:
    project_id, record = _project(ctx)
    items = list(ctx.body.get("dependencies") or [])
    issues = _dependency_issues(items)
    if issues:
        raise ValidationFailed(issues)
    record["dependencies"] = [{"name": d["name"], "version": d["version"]} for d in items]
    runtime.restart_if_running(ctx.twin, ctx.tenant, project_id, record)
    return {"settings": runtime.view(record), "message": "Dependencies updated. Runtime restarting..."}


def env_issues(items: list[Any], field: str) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        key = str(item.get("key", ""))
        if not ENV_NAME.match(key):
            issues.append(FieldIssue("body", (field, i, "key"), "must match /^[A-Z_][A-Z0-9_]*$/", "rule", key))
        elif key in seen:
            issues.append(FieldIssue("body", (field, i, "key"), "must be unique", "rule", key))
        seen.add(key)
    return issues


async def update_env_vars(ctx: RequestContext) -> Any:
    project_id, record = _project(ctx)
    items = list(ctx.body.get("envVars") or [])
    issues = env_issues(items, "envVars")
    if issues:
        raise ValidationFailed(issues)
    record["envVars"], record["_envVars"] = runtime.sealed_env(ctx.twin, items)
    runtime.restart_if_running(ctx.twin, ctx.tenant, project_id, record)
    return {"settings": runtime.view(record), "message": "Environment variables updated. Runtime restarting..."}


async def npm_package(ctx: RequestContext) -> Any:
    require_project(ctx)
    name = str(ctx.path["packageName"])
    found = runtime.NPM_SNAPSHOT.get(name)
    if found is None:
        raise NotFound(f"Package {name} not found", field="packageName")
    return {"name": name, "versions": list(found["versions"]), "distTags": dict(found["distTags"])}


async def runtime_status(ctx: RequestContext) -> Any:
    return runtime.runtime_view(_project(ctx)[1])


async def start_runtime(ctx: RequestContext) -> Any:
    project_id, record = _project(ctx)
    _activated(record)
    if record["_runtime"] in ("running", "starting"):
        return {"message": f"Runtime is already {record['_runtime']}", "status": record["_runtime"]}
    runtime.move_runtime(ctx.twin, ctx.tenant, project_id, record, "starting", "running")
    return {"message": "Runtime starting", "status": "starting"}


async def stop_runtime(ctx: RequestContext) -> Any:
    project_id, record = _project(ctx)
    _activated(record)
    if record["_runtime"] in ("stopped", "stopping"):
        return {"message": f"Runtime is already {record['_runtime']}", "status": record["_runtime"]}
    runtime.move_runtime(ctx.twin, ctx.tenant, project_id, record, "stopping", "stopped")
    return {"message": "Runtime stopping", "status": "stopping"}


async def restart_runtime(ctx: RequestContext) -> Any:
    project_id, record = _project(ctx)
    _activated(record)
    runtime.move_runtime(ctx.twin, ctx.tenant, project_id, record, "starting", "running")
    return {"message": "Runtime restarting", "status": "starting"}


async def runtime_versions(ctx: RequestContext) -> Any:
    record = _project(ctx)[1]
    current = record.get("_runtimeVersion")
    return {"current": current, "latest": runtime.LATEST_VERSION, "upgradeAvailable": current != runtime.LATEST_VERSION,
            "versions": [dict(v) for v in runtime.RUNTIME_VERSIONS]}


async def upgrade_runtime(ctx: RequestContext) -> Any:
    project_id, record = _project(ctx)
    _activated(record)
    version = ctx.body.get("version")
    if version not in {v["version"] for v in runtime.RUNTIME_VERSIONS}:
        raise bad_field("body", "version", "must be a known runtime version", version)
    record["_runtimeVersion"] = version
    runtime.move_runtime(ctx.twin, ctx.tenant, project_id, record, "starting", "running")
    return runtime.runtime_view(record, f"Upgrading runtime to {version}")


HANDLERS: dict[str, Handler] = {
    "getSettings": get_settings,
    "updateSettings": update_settings,
    "verifyFleetCredentials": verify_credentials,
    "getResourcePackages": resource_packages,
    "getDeploymentLocations": locations,
    "activateFunctions": activate,
    "updateDependencies": update_dependencies,
    "updateEnvVars": update_env_vars,
    "getNpmPackageInfo": npm_package,
    "getRuntimeStatus": runtime_status,
    "startRuntime": start_runtime,
    "stopRuntime": stop_runtime,
    "restartRuntime": restart_runtime,
    "getRuntimeVersions": runtime_versions,
    "upgradeRuntime": upgrade_runtime,
}
