"""Tag ``App Settings``: the project's token provider, debug audio, e2e encryption and cached secret.

See ``twinstack.packs.odin.app_settings`` for what is sealed and what responses show.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import NotFound
from twinstack.packs.odin.access_keys import load_access_key
from twinstack.packs.odin.app_settings import (
    APP_SETTINGS,
    apply_provider,
    cache_secret,
    forget_secret,
    get_record,
    new_record,
    project_secret,
    save,
    set_e2e,
    view_with_password,
)
from twinstack.packs.odin.project_scope import bad_field, refused, require_project

_CONFIG_OF = {"access_key": "accessKeyConfig", "webservice": "webserviceConfig"}


def _existing(ctx: RequestContext, project: dict[str, Any]) -> dict[str, Any]:
    record = get_record(ctx.twin, ctx.tenant, str(project["id"]))
    if record is None:
        raise NotFound("Settings not found", field="projectId")
    return record


def _check_provider(kind: str, body: dict[str, Any]) -> None:
    name = _CONFIG_OF.get(kind)
    if name is None:
        return
    config = body.get(name)
    if not isinstance(config, dict) or not config:
        raise bad_field("body", name, "should not be empty", config)
    if kind == "access_key":
        key = config.get("accessKey")
        if not isinstance(key, str) or load_access_key(key) is None:
            raise bad_field("body", f"{name}.accessKey", "must be a valid ODIN access key", key)
        if not str(config.get("botUserId", "")).strip():
            raise bad_field("body", f"{name}.botUserId", "should not be empty", config.get("botUserId"))
    else:
        url = str(config.get("url", ""))
        if not url.startswith(("http://", "https://")):
            raise bad_field("body", f"{name}.url", "must be a URL address", config.get("url"))
        if not str(config.get("responseTokenPath", "")).strip():
            raise bad_field("body", f"{name}.responseTokenPath", "should not be empty", config.get("responseTokenPath"))


def _common(ctx: RequestContext, record: dict[str, Any], body: dict[str, Any], *, replace: bool) -> None:
    if "botUserData" in body or replace:
        record["botUserData"] = dict(body.get("botUserData") or {})
    if "debugAudioEnabled" in body or replace:
        record["debugAudioEnabled"] = bool(body.get("debugAudioEnabled", False))
    if "e2eEncryptionMode" in body or "e2eEncryptionPassword" in body or replace:
        # A password alone changes the password of the mode in force (it is kept only in manual mode).
        mode = str(body.get("e2eEncryptionMode") or (record.get("e2eEncryptionMode") if not replace else None)
                   or "disabled")
        password = body.get("e2eEncryptionPassword")
        if mode == "manual" and not password and not record.get("_e2ePassword"):
            raise bad_field("body", "e2eEncryptionPassword", "should not be empty when e2eEncryptionMode is manual")
        set_e2e(ctx.twin, record, mode, password)


async def get_settings(ctx: RequestContext) -> Any:
    return view_with_password(ctx.twin, _existing(ctx, require_project(ctx)))


async def upsert_settings(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    body = dict(ctx.body)
    kind = str(body["tokenProviderType"])
    _check_provider(kind, body)
    known = get_record(ctx.twin, ctx.tenant, str(project["id"]))
    record = new_record(project)
    if known is not None:
        # A full replace keeps what is not a setting: the record's id and the cached secret.
        record["id"] = known["id"]
        if known.get("_secret"):
            record["_secret"] = known["_secret"]
    apply_provider(ctx.twin, record, kind, body)
    _common(ctx, record, body, replace=True)
    save(ctx.twin, ctx.tenant, str(project["id"]), record)
    return view_with_password(ctx.twin, record)


async def patch_settings(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    record = dict(_existing(ctx, project))
    body = dict(ctx.body)
    kind = body.get("tokenProviderType")
    if kind is not None or any(name in body for name in _CONFIG_OF.values()):
        kind = str(kind or record["tokenProviderType"])
        _check_provider(kind, body)
        apply_provider(ctx.twin, record, kind, body)
    _common(ctx, record, body, replace=False)
    save(ctx.twin, ctx.tenant, str(project["id"]), record)
    return view_with_password(ctx.twin, record)


async def delete_settings(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    record = _existing(ctx, project)
    with ctx.store.transaction():
        forget_secret(ctx.twin, project, dict(record))
        ctx.collection(APP_SETTINGS).delete(str(project["id"]))
    return {"message": "Settings deleted"}


async def update_debug_audio(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    record = dict(_existing(ctx, project))
    record["debugAudioEnabled"] = bool(ctx.body["enabled"])
    save(ctx.twin, ctx.tenant, str(project["id"]), record)
    return view_with_password(ctx.twin, record)


async def update_e2e(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    record = dict(_existing(ctx, project))
    mode, password = str(ctx.body["mode"]), ctx.body.get("password")
    if mode == "manual" and not password and not record.get("_e2ePassword"):
        raise bad_field("body", "password", "should not be empty when mode is manual", password)
    set_e2e(ctx.twin, record, mode, password)
    save(ctx.twin, ctx.tenant, str(project["id"]), record)
    return view_with_password(ctx.twin, record)


async def get_secret(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    secret = project_secret(ctx.twin, ctx.tenant, str(project["id"]))
    if secret is None:
        raise NotFound("No secret cached for this project", field="projectId")
    return {"secret": secret}


async def sync_secret(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    record = get_record(ctx.twin, ctx.tenant, str(project["id"]))
    if record is None:
        raise refused("Project settings not configured")
    if not project.get("secret"):
        raise refused("No secret found in Payment system")
    record = dict(record)
    with ctx.store.transaction():
        cache_secret(ctx.twin, ctx.tenant, project, record, str(project["secret"]))
        save(ctx.twin, ctx.tenant, str(project["id"]), record)
    return {"message": "Secret synced successfully"}


async def revoke_secret(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    record = dict(_existing(ctx, project))
    with ctx.store.transaction():
        forget_secret(ctx.twin, project, record)
        save(ctx.twin, ctx.tenant, str(project["id"]), record)
    return {"message": "Secret revoked successfully"}


HANDLERS: dict[str, Handler] = {
    "getAppSettings": get_settings,
    "upsertAppSettings": upsert_settings,
    "patchAppSettings": patch_settings,
    "deleteAppSettings": delete_settings,
    "updateDebugAudio": update_debug_audio,
    "updateE2EEncryption": update_e2e,
    "getSecret": get_secret,
    "syncSecret": sync_secret,
    "revokeSecret": revoke_secret,
}
