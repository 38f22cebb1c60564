"""A project's app settings: the token provider the bot and ``POST .../token`` use, and the cached secret.

One record per project (``app-settings``, by project id); absent until the
first ``PUT``. What is secret (the ODIN access key, the webservice's headers,
the manual e2e password, the cached project secret) is sealed with AES-GCM
under a key the state itself holds (``meta`` row ``odin:sealing-key``), so
nothing readable sits in a row and a state export stays importable on
another machine. Responses never show the access key or the webservice
headers.

``provider`` and ``project_secret`` are what other parts read: the bot and the
token operation (decrypted provider config), ingest (the secret). A cached
secret also registers the project for ingest in the shared ``ingest-projects``
rows (by project id and by ``appId``), since an ingest request carries no
credential that names its tenant.
"""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from twinstack.engine.state import SHARED_TENANT
from twinstack.engine.twin import Twin

APP_SETTINGS = "app-settings"
INGEST_PROJECTS = "ingest-projects"
"""Shared rows ``<project id or appId>`` -> ``{"tenant", "projectId"}`` of projects that accept ingest."""
PROVIDERS = ("access_key", "webservice", "rooms")
E2E_MODES = ("disabled", "automatic", "manual")
_KEY_META = "odin:sealing-key"


def _cipher(twin: Twin) -> AESGCM:
    key = twin.store.meta_setdefault(_KEY_META, base64.b64encode(AESGCM.generate_key(bit_length=256)).decode())
    return AESGCM(base64.b64decode(key))


def seal(twin: Twin, value: Any) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + _cipher(twin).encrypt(nonce, orjson.dumps(value), None)).decode()


def unseal(twin: Twin, sealed: Any) -> Any:
    if not isinstance(sealed, str):
        return None
    raw = base64.b64decode(sealed)
    return orjson.loads(_cipher(twin).decrypt(raw[:12], raw[12:], None))


def get_record(twin: Twin, tenant: str, project_id: str) -> dict[str, Any] | None:
    return twin.collection(tenant, APP_SETTINGS).get(project_id)


def is_configured(record: dict[str, Any]) -> bool:
    kind = record.get("tokenProviderType")
    if kind == "access_key":
        return bool(record.get("_accessKey")) and bool(record.get("botUserId"))
    if kind == "webservice":
        return bool(record.get("_webservice")) and bool(record.get("webserviceUrl"))
    return kind == "rooms"


def view(record: dict[str, Any]) -> dict[str, Any]:
    """The AppSettingsResponse: computed flags, no secret but the manual e2e password (as documented)."""
    shown = {k: v for k, v in record.items() if not k.startswith("_")}
    shown["isConfigured"] = is_configured(record)
    shown["hasSecret"] = bool(record.get("_secret"))
    return shown


def view_with_password(twin: Twin, record: dict[str, Any]) -> dict[str, Any]:
    shown = view(record)
    if record.get("e2eEncryptionMode") == "manual" and record.get("_e2ePassword"):
        shown["e2eEncryptionPassword"] = unseal(twin, record["_e2ePassword"])
    return shown


def new_record(project: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "appId": str(project["id"]),
        "projectName": str(project.get("name", "")),
        "debugAudioEnabled": False,
        "e2eEncryptionMode": "disabled",
    }


def apply_provider(twin: Twin, record: dict[str, Any], kind: str, fields: dict[str, Any]) -> None:
    """Set the token provider ``kind`` from the request's config (already checked complete)."""
    for name in ("botUserId", "webserviceUrl", "webserviceMethod", "_accessKey", "_webservice"):
        record.pop(name, None)
    record["tokenProviderType"] = kind
    if kind == "access_key":
        config = dict(fields["accessKeyConfig"])
        record["botUserId"] = str(config["botUserId"])
        record["_accessKey"] = seal(twin, str(config["accessKey"]))
    elif kind == "webservice":
        config = dict(fields["webserviceConfig"])
        record["webserviceUrl"] = str(config["url"])
        record["webserviceMethod"] = str(config.get("method", "POST"))
        record["_webservice"] = seal(twin, config)


def set_e2e(twin: Twin, record: dict[str, Any], mode: str, password: str | None) -> None:
    record["e2eEncryptionMode"] = mode
    if mode == "manual":
        if password:
            record["_e2ePassword"] = seal(twin, password)
    else:
        record.pop("_e2ePassword", None)


def save(twin: Twin, tenant: str, project_id: str, record: dict[str, Any]) -> None:
    twin.collection(tenant, APP_SETTINGS).put(project_id, record)


def provider(twin: Twin, tenant: str, project_id: str) -> dict[str, Any] | None:
    """The project's token provider, decrypted, or None while settings are absent or incomplete.

    ``{"type": "access_key", "accessKey", "botUserId", "botUserData"}``,
    ``{"type": "webservice", "url", "method", "headers", "bodyTemplate", "responseTokenPath", ...}`` or
    ``{"type": "rooms", ...}``.
    """
    record = get_record(twin, tenant, project_id)
    if record is None or not is_configured(record):
        return None
    found: dict[str, Any] = {"type": record["tokenProviderType"], "botUserId": record.get("botUserId"),
                             "botUserData": record.get("botUserData") or {}}
    if record["tokenProviderType"] == "access_key":
        found["accessKey"] = unseal(twin, record["_accessKey"])
    elif record["tokenProviderType"] == "webservice":
        found.update(dict(unseal(twin, record["_webservice"]) or {}))
    return found


def project_secret(twin: Twin, tenant: str, project_id: str) -> str | None:
    """The project secret cached by ``sync-secret``, if any."""
    record = get_record(twin, tenant, project_id)
    if record is None or not record.get("_secret"):
        return None
    return str(unseal(twin, record["_secret"]))


def cache_secret(twin: Twin, tenant: str, project: dict[str, Any], record: dict[str, Any], secret: str) -> None:
    record["_secret"] = seal(twin, secret)
    shared = twin.collection(SHARED_TENANT, INGEST_PROJECTS)
    for name in {str(project["id"]), str(project.get("appId") or project["id"])}:
        shared.put(name, {"tenant": tenant, "projectId": str(project["id"])})


def forget_secret(twin: Twin, project: dict[str, Any], record: dict[str, Any]) -> None:
    record.pop("_secret", None)
    shared = twin.collection(SHARED_TENANT, INGEST_PROJECTS)
    for name in {str(project["id"]), str(project.get("appId") or project["id"])}:
        shared.delete(name)


def ingest_target(twin: Twin, project_ref: str) -> tuple[str, str] | None:
    """``(tenant, project id)`` of the project an ingest request names by id or appId, if it accepts ingest."""
    found = twin.collection(SHARED_TENANT, INGEST_PROJECTS).get(project_ref)
    return (str(found["tenant"]), str(found["projectId"])) if found is not None else None
