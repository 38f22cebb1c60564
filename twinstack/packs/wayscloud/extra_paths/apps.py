"""The App Platform paths the SDK and CLI call that the document lacks: GitHub auto-deploy of an app.

``GET``/``PUT /v1/dashboard/apps/{app_id}/auto-deploy/github`` and ``POST .../rotate-secret``
(``apps.auto_deploy_get``, ``auto_deploy_configure``, ``auto_deploy_rotate_secret``;
``cloud app auto-deploy status|enable|disable|rotate-secret``), with the fields those clients read.
"""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_STAMP = {"type": "string", "format": "date-time"}
_STATUS = {"type": "object", "required": ["configured", "provider", "repo_url", "branch", "auto_deploy_enabled"],
           "properties": {
               "configured": {"type": "boolean"}, "provider": {"type": "string", "enum": ["github"]},
               "repo_url": {"type": "string"}, "branch": {"type": "string"},
               "auto_deploy_enabled": {"type": "boolean"}, "webhook_url": {"type": "string"},
               "secret_configured": {"type": "boolean"}, "credential_linked": {"type": "boolean"},
               "last_push_event_at": _STAMP, "last_auto_deploy_at": _STAMP,
               "last_auto_deploy_commit": {"type": "string"},
               "webhook_secret": {"type": "string", "description": "Shown when set or rotated, never again"},
           }}
_CONFIGURE = {"type": "object", "required": ["repo_url"], "properties": {
    "repo_url": {"type": "string", "pattern": r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/?$",
                 "description": "https://github.com/<owner>/<repo>"},
    "branch": {"type": "string", "minLength": 1, "maxLength": 255, "default": "main"},
    "auto_deploy_enabled": {"type": "boolean", "default": True},
}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(operation_id: str, summary: str, body: bool = False) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": ["Apps"], "summary": summary, "operationId": operation_id, "security": [{"ServiceAuth": []}],
        "parameters": [{"name": "app_id", "in": "path", "required": True, "schema": {"type": "string"},
                        "description": "App ID, short ID, slug or name"}],
        "responses": {"200": _json(_STATUS, "Auto-deploy settings"), "401": _json(_ERROR, "Unauthorized"),
                      "404": _json(_ERROR, "App not found"), "422": _json(_ERROR, "Invalid request")},
    }
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _CONFIGURE}}}
    return op


def patch(doc: dict[str, Any]) -> None:
    base = "/v1/dashboard/apps/{app_id}/auto-deploy/github"
    doc["paths"][base] = {
        "get": _operation("getAppAutoDeploy", "GitHub auto-deploy settings of an app"),
        "put": _operation("configureAppAutoDeploy", "Connect a GitHub repository and branch", body=True),
    }
    doc["paths"][f"{base}/rotate-secret"] = {
        "post": _operation("rotateAppAutoDeploySecret", "Rotate the GitHub webhook secret"),
    }
    doc["paths"][f"{base}/rotate-secret"]["post"]["responses"]["409"] = _json(_ERROR, "No repository connected")

DOCUMENT_PATCHES = (patch,)
"""Added to the served document (``seed_fixes``)."""
