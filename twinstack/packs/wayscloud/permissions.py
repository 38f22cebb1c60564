"""Which permission each WAYSCloud operation needs, beyond the security its document declares.

The document puts scopes only on Contacts. The rest of the vendor's model is in
its prose: a service key is minted for one service (``database``, ``storage``,
``llm-api``, ``dns``, ``vps``) and a key used on another service's operation is
refused with 403; a Personal Access Token (PAT) carries account scopes such as
``api_keys:write`` or ``ssh_keys:read``. Both become scopes the engine checks
(``Pack.scopes``): ``<service>:read`` for GET, ``<service>:write`` for the
other methods, and the account scope of each account-management operation.

The operation's service is the first path segment after ``/v1``.
"""

from __future__ import annotations

import re
from typing import Any

from twinstack.packs.wayscloud.extra_paths.account import DOCUMENTED

SERVICE_OF_SEGMENT: dict[str, str] = {
    "databases": "database",
    "quota": "database",
    "storage": "storage",
    "llm": "llm-api",
    "chat": "llm-api",
    "models": "llm-api",
    "embeddings": "llm-api",
    "dns": "dns",
    "vps": "vps",
    "iot": "iot",
    "chatbot": "chatbot",
    "sms": "sms",
    "verify": "verify",
    "gpu": "gpu",
    "transcript": "speech",
    "live-events": "live-events",
    "ip": "ip",
    "apps": "apps",
}
"""Path segment after ``/v1`` → the service permission a service key must carry."""

MINTABLE_SERVICES: tuple[str, ...] = ("database", "storage", "llm-api", "dns", "vps")
"""The services ``POST /v1/account/api-keys/service`` accepts (the document's enum)."""

_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")

ALL_SERVICES: tuple[str, ...] = tuple(dict.fromkeys(SERVICE_OF_SEGMENT.values()))

ACCOUNT_SCOPES: dict[str, list[str]] = {
    "listApiKeys": ["api_keys:read"],
    "createServiceKey": ["api_keys:write"],
    "createPat": ["api_keys:write"],
    "revokeApiKey": ["api_keys:write"],
    "listSshKeys": ["ssh_keys:read"],
    "createSshKey": ["ssh_keys:write"],
    "deleteSshKey": ["ssh_keys:write"],
    "listServices": ["services:read"],
}
"""PAT scopes of the account operations; the vendor names them in examples, the document does not declare them."""

PAT_SCOPES: tuple[str, ...] = (
    "api_keys:read", "api_keys:write", "ssh_keys:read", "ssh_keys:write", "services:read",
    "domain_verification:read", "domain_verification:write", "contacts:read", "contacts:write",
    "shell:connect", "kubernetes:read", "kubernetes:write",
)
"""Every scope a PAT may be created with (from the document's examples and the official clients)."""


def service_scopes(service: str) -> list[str]:
    """The scopes a service key for ``service`` carries."""
    return [f"{service}:read", f"{service}:write"]


def service_of(path: str) -> str | None:
    """The service permission an operation path belongs to, if any (``/v1/vps/{id}`` → ``vps``)."""
    parts = path.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "v1":
        return None
    return SERVICE_OF_SEGMENT.get(parts[1])


def expand_pat_scopes(requested: list[str]) -> list[str]:
    """What a PAT created with ``requested`` may do: each ``:write`` also grants ``:read``,
    and a PAT acts for the whole account on every service's operations."""
    granted = list(dict.fromkeys(requested))
    for scope in requested:
        if scope.endswith(":write"):
            granted.append(scope.removesuffix(":write") + ":read")
    for service in ALL_SERVICES:
        granted.extend(service_scopes(service))
    return list(dict.fromkeys(granted))


def operation_scopes(doc: dict[str, Any]) -> dict[str, list[str]]:
    """operationId → the extra scopes it needs, for every secured operation of the document."""
    needed: dict[str, list[str]] = {}
    for path, item in (doc.get("paths") or {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or not op.get("security", doc.get("security")):
                continue
            op_id = str(op.get("operationId") or _unnamed_operation_id(method, path))
            if op_id in ACCOUNT_SCOPES:
                needed[op_id] = ACCOUNT_SCOPES[op_id]
                continue
            if path.startswith("/v1/domain-verification"):
                needed[op_id] = ["domain_verification:read" if method == "get" else "domain_verification:write"]
                continue
            service = service_of(path)
            if service is not None:
                needed[op_id] = [f"{service}:read" if method == "get" else f"{service}:write"]
    # The dashboard copies of account operations (added at start, absent from the seed) need what they copy.
    for copied, documented in DOCUMENTED.items():
        if documented in needed:
            needed[copied] = needed[documented]
    return needed


def _unnamed_operation_id(method: str, path: str) -> str:
    # The engine's name for an operation the document leaves unnamed (the three Chatbot operations).
    return f"{method}_{_NON_WORD.sub('_', path).strip('_')}"
