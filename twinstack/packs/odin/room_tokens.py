"""Room tokens for ``POST /api/projects/{projectId}/token`` and the legacy ``POST /api/projects/token``.

The project's app settings name the token provider: ``access_key`` signs with
the configured ODIN access key, ``webservice`` really calls the configured URL
(method, headers, ``bodyTemplate`` with ``{{roomId}}`` and ``{{userId}}``
put in, the token read at the dot path ``responseTokenPath``), and ``rooms``
signs with the project's internal key (one per project, kept in the state).
Without configured settings there is no token (400).
"""

from __future__ import annotations

import json
from typing import Any

from twinstack.engine.twin import Twin
from twinstack.packs.odin.access_keys import AccessKey, generate_access_key, load_access_key, room_token
from twinstack.packs.odin.app_settings import provider

WEBSERVICE_TIMEOUT = 10.0


class TokenUnavailable(Exception):
    """No token can be had from the project's provider; the message says why (a 400)."""


def internal_key(twin: Twin, tenant: str, project_id: str) -> AccessKey:
    """The project's own signing key (``rooms`` provider, project-secret legacy tokens), made on first use."""
    text = twin.store.meta_setdefault(f"odin:rooms-key:{tenant}:{project_id}", generate_access_key())
    key = load_access_key(text)
    assert key is not None  # only generated keys are ever stored here
    return key


async def project_token(twin: Twin, tenant: str, project_id: str, room_id: str, user_id: str) -> str:
    found = provider(twin, tenant, project_id)
    if found is None:
        raise TokenUnavailable("Project settings not configured")
    if found["type"] == "access_key":
        key = load_access_key(str(found.get("accessKey", "")))
        if key is None:
            raise TokenUnavailable("The configured access key is not valid")
        return room_token(key, room_id, user_id, now=twin.clock.now())
    if found["type"] == "rooms":
        return room_token(internal_key(twin, tenant, project_id), room_id, user_id, now=twin.clock.now())
    return await webservice_token(found, room_id, user_id)


def _filled(template: str, room_id: str, user_id: str) -> str:
    # The template is JSON text in practice: the values go in JSON-escaped, so a quote in an id cannot break it.
    def escaped(value: str) -> str:
        return json.dumps(value)[1:-1]
    return template.replace("{{roomId}}", escaped(room_id)).replace("{{userId}}", escaped(user_id))


async def webservice_token(config: dict[str, Any], room_id: str, user_id: str) -> str:
    """Ask the user's token service, as configured; ``TokenUnavailable`` when it gives none."""
    method = str(config.get("method") or "POST").upper()
    headers = {str(k): str(v) for k, v in dict(config.get("headers") or {}).items()}
    body = _filled(str(config.get("bodyTemplate") or ""), room_id, user_id) if method != "GET" else ""
    if body and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    params = {"roomId": room_id, "userId": user_id} if method == "GET" else None
    import httpx  # on first use: it costs the start about 0.1 s (only a configured token webservice needs it)

    try:
        async with httpx.AsyncClient(timeout=WEBSERVICE_TIMEOUT, follow_redirects=False, trust_env=False) as client:
            response = await client.request(method, str(config["url"]), headers=headers, params=params,
                                            content=body.encode() if body else None)
    except httpx.HTTPError as exc:
        raise TokenUnavailable(f"Token webservice unreachable ({exc.__class__.__name__})") from None
    if response.status_code // 100 != 2:
        raise TokenUnavailable(f"Token webservice answered HTTP {response.status_code}")
    try:
        value: Any = response.json()
    except ValueError:
        raise TokenUnavailable("Token webservice did not answer JSON") from None
    path = str(config.get("responseTokenPath") or "token")
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        raise TokenUnavailable(f"No token at {path!r} in the token webservice's answer")
    return value
