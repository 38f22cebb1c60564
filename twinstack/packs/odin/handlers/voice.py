"""Tag ``Voice``: ODIN access keys in the real format, voice settings, the peer limit and analytics.

A created access key signs room tokens exactly as 4Players' ``odin-tokens``
libraries do (``access_keys.py``); the twin keeps only its public key and key
id. Analytics are read from the presence the twin's own rooms recorded
(``voice.py``): an idle project answers zeros, never invented traffic.
"""

from __future__ import annotations

import uuid
from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import Forbidden, NotFound, Unauthorized
from twinstack.packs.odin import voice
from twinstack.packs.odin.access_keys import generate_access_key, load_access_key, room_token
from twinstack.packs.odin.accounts import PROJECTS, projects
from twinstack.packs.odin.project_scope import bad_field, refused, require_project, stamp, whole_number
from twinstack.packs.odin.room_tokens import TokenUnavailable, internal_key, project_token

INDEXES: dict[str, tuple[str, ...]] = {voice.ACCESS_KEYS: ("keyId",), PROJECTS: ("appId",)}

ADMIN_PERMISSIONS = {
    "addAccessKey": True, "editAccessKey": True, "deleteAccessKey": True, "addUser": True, "editUser": True,
    "deleteUser": True, "setPeerLimit": True, "setProjectName": True, "downloadLicense": True,
}
"""What the tenant's admin may do (the only role a tenant's own callers hold)."""
HOSTING_TYPE = "hosted"
UNIX_SECONDS_MAX = 253402214399
"""The last second of 9999, the latest ``start`` analytics take."""


def _text(ctx: RequestContext, name: str, *, required: bool) -> str | None:
    value = ctx.body.get(name) if isinstance(ctx.body, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise bad_field("body", name, "should not be empty" if value in (None, "") else "must be a string", value)
    return value.strip() if required else value


def _voice_settings(ctx: RequestContext, project_id: str) -> dict[str, Any]:
    record = voice.settings(ctx.twin, ctx.tenant, project_id)
    return {
        "peerLimit": int(record.get("peerLimit", 0)),
        "accessKeysCount": voice.access_keys(ctx.twin, ctx.tenant, project_id).count(),
        "hostingType": HOSTING_TYPE,
        "permissions": dict(ADMIN_PERMISSIONS),
    }


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


async def get_voice_settings(ctx: RequestContext) -> Any:
    project = require_project(ctx)
    return _voice_settings(ctx, str(project["id"]))


async def update_peer_limit(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    limit = whole_number(ctx.body.get("peerLimit"), "peerLimit", default=0, location="body")
    record = voice.settings(ctx.twin, ctx.tenant, project_id)
    voice.save_settings(ctx.twin, ctx.tenant, project_id, {**record, "peerLimit": limit})
    return _voice_settings(ctx, project_id)


async def activate_voice(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    record = voice.settings(ctx.twin, ctx.tenant, project_id)
    if not record.get("activatedAt"):
        voice.save_settings(ctx.twin, ctx.tenant, project_id, {**record, "activated": True, "activatedAt": stamp(ctx)})
    return Reply({"message": "Voice activated"}, status=201)


async def list_access_keys(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    # A project holds a handful of keys and the operation has no paging: the read is the answer.
    return [_shown(r) for r in voice.access_keys(ctx.twin, ctx.tenant, project_id).find().items]


async def create_access_key(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    name = _text(ctx, "name", required=True)
    description = _text(ctx, "description", required=False)
    if not voice.settings(ctx.twin, ctx.tenant, project_id).get("activated", True):
        raise refused("Voice is not activated for this project")
    secret = generate_access_key()
    key = load_access_key(secret)
    assert key is not None  # a freshly generated key is valid by construction
    now = stamp(ctx)
    record: dict[str, Any] = {"id": str(uuid.uuid4()), "name": name}
    if description is not None:
        record["description"] = description
    record.update(pubKey=key.pub_key, keyId=key.key_id, created=now, updated=now)
    voice.access_keys(ctx.twin, ctx.tenant, project_id).put(record["id"], record)
    return Reply({**record, "accessKey": secret}, status=201)


def _access_key(ctx: RequestContext, project_id: str) -> dict[str, Any]:
    found = voice.access_keys(ctx.twin, ctx.tenant, project_id).get(str(ctx.path["accessKeyId"]))
    if found is None:
        raise NotFound("Access key not found", field="accessKeyId")
    return found


async def edit_access_key(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    found = _access_key(ctx, project_id)
    name = _text(ctx, "name", required=True)
    description = _text(ctx, "description", required=False)
    changed = {**found, "name": name, "updated": stamp(ctx)}
    if description is not None:
        changed["description"] = description
    voice.access_keys(ctx.twin, ctx.tenant, project_id).put(str(found["id"]), changed)
    return _shown(changed)


async def delete_access_key(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    found = _access_key(ctx, project_id)
    voice.access_keys(ctx.twin, ctx.tenant, project_id).delete(str(found["id"]))
    return {"message": "Access key deleted"}


def _start(ctx: RequestContext) -> float:
    value = ctx.query.get("start")
    if value is None:
        raise bad_field("query", "start", "should not be empty")
    return float(whole_number(value, "start", default=0, maximum=UNIX_SECONDS_MAX, location="query"))


async def get_analytics(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    return voice.over_time(ctx.twin, ctx.tenant, project_id, _start(ctx), "Peers")


async def get_rooms_analytics(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    return voice.over_time(ctx.twin, ctx.tenant, project_id, _start(ctx), "Rooms")


async def generate_project_token(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    room_id = _text(ctx, "roomId", required=True)
    user_id = _text(ctx, "userId", required=True)
    assert room_id is not None and user_id is not None
    try:
        token = await project_token(ctx.twin, ctx.tenant, project_id, room_id, user_id)
    except TokenUnavailable as why:
        raise refused(str(why)) from None
    return Reply({"token": token}, status=201)


async def generate_token_legacy(ctx: RequestContext) -> Any:
    """The old form: the project named in the body, and a secret that is one of its access keys or its secret.

    Who may sign is settled first (an unknown project 403, a wrong secret 401), then the room.
    """
    body: dict[str, Any] = ctx.body
    reference, secret = str(body.get("projectId") or ""), str(body.get("secret") or "")
    listed = projects(ctx.twin, ctx.tenant)
    project = (listed.get(reference) or listed.find_one(appId=reference)) if reference else None
    if project is None:
        raise Forbidden("No access to this project", code="project_forbidden", field="projectId")
    project_id = str(project["id"])
    key = load_access_key(secret)
    if key is None or voice.access_keys(ctx.twin, ctx.tenant, project_id).find_one(keyId=key.key_id) is None:
        if not secret or secret != str(project.get("secret") or ""):
            raise Unauthorized("Invalid project secret")
        key = internal_key(ctx.twin, ctx.tenant, project_id)
    room_id = _text(ctx, "roomId", required=True)
    assert room_id is not None
    return Reply({"token": room_token(key, room_id, "", now=ctx.now)}, status=201)


HANDLERS: dict[str, Handler] = {
    "generateProjectToken": generate_project_token,
    "generateTokenLegacy": generate_token_legacy,
    "getVoiceSettings": get_voice_settings,
    "updatePeerLimit": update_peer_limit,
    "activateVoice": activate_voice,
    "listAccessKeys": list_access_keys,
    "createAccessKey": create_access_key,
    "editAccessKey": edit_access_key,
    "deleteAccessKey": delete_access_key,
    "getAnalytics": get_analytics,
    "getRoomsAnalytics": get_rooms_analytics,
}
