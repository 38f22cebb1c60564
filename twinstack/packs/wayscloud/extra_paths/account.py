"""The account paths the official clients use: ``/api/v1/dashboard/account/...`` (clients map M12).

``cloud login`` and ``cloud whoami`` validate a PAT with ``GET /api/v1/dashboard/account/profile``, and
the SDK's ``client.account`` lists, adds and deletes SSH keys under the same prefix; the document has
these operations under ``/v1/account/...`` only. Each is served as a copy of the document's operation,
with the same security, parameters, bodies and responses, under an ``operationId`` of its own that the
account handlers answer exactly as the documented one.
"""

from __future__ import annotations

import copy
from typing import Any

DASHBOARD = "/api/v1/dashboard/account"

DASHBOARD_OPERATIONS: dict[tuple[str, str], str] = {
    ("get", "/profile"): "getDashboardAccountProfile",
    ("get", "/ssh-keys"): "listDashboardSshKeys",
    ("post", "/ssh-keys"): "createDashboardSshKey",
    ("delete", "/ssh-keys/{key_id}"): "deleteDashboardSshKey",
}
"""(method, path under both prefixes) -> the operationId of the dashboard copy."""

DOCUMENTED: dict[str, str] = {
    "getDashboardAccountProfile": "getAccountProfile",
    "listDashboardSshKeys": "listSshKeys",
    "createDashboardSshKey": "createSshKey",
    "deleteDashboardSshKey": "deleteSshKey",
}
"""Dashboard operationId -> the documented operation it copies (and shares a handler and scopes with)."""


def add_dashboard_paths(doc: dict[str, Any]) -> None:
    """Copy the documented account operations the clients call under the dashboard prefix."""
    paths: dict[str, Any] = doc.setdefault("paths", {})
    for (method, tail), op_id in DASHBOARD_OPERATIONS.items():
        documented = (paths.get(f"/v1/account{tail}") or {}).get(method)
        if not isinstance(documented, dict):
            continue
        op = copy.deepcopy(documented)
        op["operationId"] = op_id
        op["summary"] = f"{op.get('summary') or op_id} (dashboard path of the official clients)"
        paths.setdefault(f"{DASHBOARD}{tail}", {})[method] = op

DOCUMENT_PATCHES = (add_dashboard_paths,)
"""Added to the served document (``seed_fixes``)."""
