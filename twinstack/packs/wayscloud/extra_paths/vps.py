"""VPS operations the SDK and CLI call that the document lacks, with shapes taken from the clients.

``DELETE``/``PATCH /v1/vps/{vps_id}`` (``vps.delete``, ``vps.update``),
``POST /v1/vps/{vps_id}/upgrade``, ``GET /v1/vps/plans/region/{region}``,
``GET /v1/vps/addons/`` and the firewall rules under ``/v1/vps/{vps_id}/firewall``.
"""

from __future__ import annotations

import copy
from typing import Any

from twinstack.packs.wayscloud.vps_catalogue import PLANS

_REF = "#/components/schemas/"
_SECURITY: list[dict[str, list[str]]] = [{"ServiceAuth": []}]
_VPS_ID = {"name": "vps_id", "in": "path", "required": True, "schema": {"type": "string"}, "description": "VPS ID"}
_ERROR = {"$ref": f"{_REF}Error"}

_PLAN = {"type": "object", "properties": {
    "plan_code": {"type": "string"}, "name": {"type": "string"}, "vcpus": {"type": "integer"},
    "ram_gb": {"type": "integer"}, "storage_gb": {"type": "integer"}, "bandwidth_tb": {"type": "number"},
    "price": {"type": "number"}, "currency": {"type": "string"}, "vcpu": {"type": "integer"},
    "ram_mb": {"type": "integer"}, "disk_gb": {"type": "integer"}, "monthly_price": {"type": "number"},
}}
_ADDON = {"type": "object", "properties": {
    "addon_code": {"type": "string"}, "name": {"type": "string"}, "monthly_price": {"type": "number"},
    "currency": {"type": "string"},
}}
_RULE = {"type": "object", "required": ["id", "port", "protocol", "source"], "properties": {
    "id": {"type": "string"}, "port": {"type": "integer"}, "protocol": {"type": "string", "enum": ["tcp", "udp"]},
    "source": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
}}
_RULE_CREATE = {"type": "object", "required": ["port"], "properties": {
    "port": {"type": "integer", "minimum": 1, "maximum": 65535},
    "protocol": {"type": "string", "enum": ["tcp", "udp"], "default": "tcp"},
    "source": {"type": "string", "default": "0.0.0.0/0", "description": "CIDR allowed to connect"},
}}
_UPDATE = {"type": "object", "properties": {
    "display_name": {"type": "string", "maxLength": 255}, "tags": {"type": "array", "items": {"type": "string"}},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
}}
_UPGRADE = {"type": "object", "required": ["new_plan_code"], "properties": {
    "new_plan_code": {"type": "string", "enum": sorted(PLANS), "description": "Plan code (from /v1/vps/plans)"},
}}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _operation(operation_id: str, summary: str, responses: dict[str, Any], *, parameters: list[Any] | None = None,
               body: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"tags": ["VPS"], "summary": summary, "operationId": operation_id, "security": _SECURITY,
                          "parameters": copy.deepcopy(parameters or []), "responses": responses}
    if body is not None:
        op["requestBody"] = _body(body)
    return op


def patch(doc: dict[str, Any]) -> None:
    """Add the VPS operations the clients call to ``doc`` (the parsed copy of the seed)."""
    paths = doc["paths"]
    action = {"$ref": f"{_REF}VPSAction"}
    not_found = _json(_ERROR, "VPS not found")
    bad = _json(_ERROR, "Invalid request")
    instance = paths["/v1/vps/{vps_id}"]
    instance["delete"] = _operation("deleteVps", "Delete VPS", {"200": _json(action), "404": not_found},
                                    parameters=[_VPS_ID])
    instance["patch"] = _operation("updateVps", "Update VPS", {
        "200": _json({"$ref": f"{_REF}VPSInstance"}), "404": not_found, "422": bad,
    }, parameters=[_VPS_ID], body=_UPDATE)
    paths["/v1/vps/{vps_id}/upgrade"] = {"post": _operation("upgradeVps", "Change a VPS's plan", {
        "200": _json(action), "400": bad, "404": not_found, "422": bad,
    }, parameters=[_VPS_ID], body=_UPGRADE)}
    paths["/v1/vps/plans/region/{region}"] = {"get": _operation("listVpsPlansByRegion", "VPS plans of a region", {
        "200": _json({"type": "array", "items": _PLAN}), "404": _json(_ERROR, "Region not found"),
    }, parameters=[{"name": "region", "in": "path", "required": True, "schema": {"type": "string"}}])}
    paths["/v1/vps/addons/"] = {"get": _operation("listVpsAddons", "VPS add-ons", {
        "200": _json({"type": "array", "items": _ADDON}),
    }, parameters=[{"name": "region", "in": "query", "required": False, "schema": {"type": "string"}}])}
    paths["/v1/vps/{vps_id}/firewall"] = {
        "get": _operation("listVpsFirewallRules", "VPS firewall rules", {
            "200": _json({"type": "object", "properties": {"vps_id": {"type": "string"},
                                                           "rules": {"type": "array", "items": _RULE}}}),
            "404": not_found,
        }, parameters=[_VPS_ID]),
        "post": _operation("createVpsFirewallRule", "Add a VPS firewall rule", {
            "201": _json(_RULE, "Created"), "400": bad, "404": not_found, "409": _json(_ERROR, "Rule exists"),
            "422": bad,
        }, parameters=[_VPS_ID], body=_RULE_CREATE),
    }
    paths["/v1/vps/{vps_id}/firewall/{rule_id}"] = {"delete": _operation(
        "deleteVpsFirewallRule", "Remove a VPS firewall rule", {"200": _json(action), "404": not_found},
        parameters=[_VPS_ID, {"name": "rule_id", "in": "path", "required": True, "schema": {"type": "string"}}],
    )}

DOCUMENT_PATCHES = (patch,)
"""Added to the served document (``seed_fixes``)."""
