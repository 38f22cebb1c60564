"""Database operations the SDK and CLI call that the document lacks, with shapes taken from the clients.

``GET /v1/databases`` (``database.list``, ``cloud db list``: objects, not names), ``GET
/v1/databases/{db_type}/{db_name}`` (``database.get``, ``cloud db info``: info, credentials without the
password, and the names the client sent) and ``GET /v1/databases/tiers`` (``database.tiers``).
"""

from __future__ import annotations

import copy
from typing import Any

_SECURITY: list[dict[str, list[str]]] = [{"ServiceAuth": []}]
_ERROR = {"$ref": "#/components/schemas/Error"}
_PATH = [{"name": "db_type", "in": "path", "required": True, "schema": {"type": "string"}},
         {"name": "db_name", "in": "path", "required": True, "schema": {"type": "string"}}]
_SUMMARY_FIELDS: dict[str, Any] = {
    "name": {"type": "string"}, "db_name": {"type": "string"}, "type": {"type": "string"},
    "tier": {"type": "string"}, "status": {"type": "string"}, "size_mb": {"type": "number"},
    "created_at": {"type": "string"},
}
_SUMMARY = {"type": "object", "required": ["name", "db_name", "type", "status", "created_at"],
            "properties": _SUMMARY_FIELDS}
_DETAIL = {"type": "object", "required": ["name", "db_name", "db_type", "type", "host", "port", "username"],
           "properties": {
    **_SUMMARY_FIELDS, "db_type": {"type": "string"}, "host": {"type": "string"}, "port": {"type": "integer"},
    "database": {"type": "string"}, "username": {"type": "string"}, "connection_string": {"type": "string"},
    "connection_count": {"type": "integer"}, "connection_limit": {"type": "integer"}, "owner": {"type": "string"},
}}
_TIERS = {"type": "object", "required": ["tiers"], "properties": {"tiers": {"type": "array", "items": {
    "type": "object", "properties": {"name": {"type": "string"}, "tier": {"type": "string"},
                                     "description": {"type": "string"}}}}}}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(operation_id: str, summary: str, ok: dict[str, Any], *, parameters: list[Any] | None = None,
               not_found: bool = False) -> dict[str, Any]:
    responses = {"200": _json(ok), "401": _json(_ERROR, "Invalid or missing API key"),
                 "422": _json(_ERROR, "Invalid request")}
    if not_found:
        responses["404"] = _json(_ERROR, "Database not found")
    return {"tags": ["Databases"], "summary": summary, "operationId": operation_id, "security": _SECURITY,
            "parameters": copy.deepcopy(parameters or []), "responses": responses}


def patch(doc: dict[str, Any]) -> None:
    """Add the database operations the clients call to ``doc`` (the parsed copy of the seed)."""
    paths = doc["paths"]
    paths["/v1/databases"]["get"] = _operation(
        "listDatabases", "List every database", {"type": "object", "required": ["databases"],
                                                 "properties": {"databases": {"type": "array", "items": _SUMMARY}}})
    paths["/v1/databases/{db_type}/{db_name}"]["get"] = _operation(
        "getDatabase", "A database: information and credentials", _DETAIL, parameters=_PATH, not_found=True)
    paths["/v1/databases/tiers"] = {"get": _operation("listDatabaseTiers", "Database tiers", _TIERS)}


DOCUMENT_PATCHES = (patch,)
"""Added to the served document (``seed_fixes``)."""
