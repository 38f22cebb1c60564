"""The control plane's own OpenAPI 3.1 document, served at ``/_twinstack/openapi.json``.

Bounds declared here are the ones ``plane.py`` enforces (``MAX_ADVANCE_S`` for the clock, the fault
limits from ``faults.py``), so a client generated from the document and the twin agree on what is refused.
"""

from __future__ import annotations

from typing import Any

from twinstack.control.faults import MAX_COUNT, MAX_LATENCY_MS

MAX_ADVANCE_S = 315_360_000
"""The longest clock advance one call may ask for: ten years of 365 days."""

_ERROR = {"$ref": "#/components/schemas/Error"}
_ANY_OBJECT: dict[str, Any] = {"type": "object"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _bad(description: str = "Bad input; `field` names it") -> dict[str, Any]:
    return _json(_ERROR, description)


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _op(op_id: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"operationId": op_id, "summary": summary, "tags": ["control"], "responses": responses, **extra}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _schemas(services: list[str]) -> dict[str, Any]:
    tenant = {
        "type": "object", "required": ["id", "name", "credentials"],
        "properties": {
            "id": {"type": "string"}, "name": {"type": "string"},
            "credentials": {"type": "object", "additionalProperties": {"type": "object"},
                            "description": "Per service slug, the credentials that service accepts"},
        },
    }
    latency = {
        "oneOf": [
            {"type": "number", "minimum": 0, "maximum": MAX_LATENCY_MS, "description": "fixed milliseconds"},
            {"type": "object", "required": ["min", "max"], "additionalProperties": False,
             "description": "uniformly drawn between min and max milliseconds (min <= max)",
             "properties": {"min": {"type": "number", "minimum": 0, "maximum": MAX_LATENCY_MS},
                            "max": {"type": "number", "minimum": 0, "maximum": MAX_LATENCY_MS}}},
        ],
    }
    fault_fields: dict[str, Any] = {
        "service": {"type": "string", "enum": services} if services else {"type": "string"},
        "operation": {"type": "string", "minLength": 1,
                      "description": "an operationId of the service's document, or 'METHOD /path' as written there"},
        "tenant": {"type": ["string", "null"], "description": "only this tenant's calls (default: every tenant)"},
        "status": {"type": ["integer", "null"], "minimum": 400, "maximum": 599,
                   "description": "an error status the operation declares; rendered in the API's own error shape"},
        "latency_ms": {**latency, "description": "added before the call is answered"},
        "drop": {"type": "boolean", "description": "close the connection without an answer"},
        "count": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_COUNT,
                  "description": "only the next N matching calls (default: until cleared)"},
        "probability": {"type": ["number", "null"], "minimum": 0, "maximum": 1,
                        "description": "the share of matching calls it applies to (default: all)"},
        "retry_after": {"type": ["integer", "null"], "minimum": 0, "maximum": 86400,
                        "description": "the Retry-After seconds of a 429 or 503 (default 1)"},
    }
    fault = {
        "type": "object", "required": ["id", "service", "operation", "hits"],
        "properties": {
            **fault_fields, "latency_ms": {"oneOf": [{"type": "null"}, *latency["oneOf"]]},
            "id": {"type": "string"}, "created_at": {"type": "string"},
            "hits": {"type": "integer", "minimum": 0, "description": "calls the fault has answered"},
            "remaining": {"type": ["integer", "null"], "minimum": 0},
        },
    }
    return {
        "Error": {"type": "object", "required": ["error", "message"],
                  "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                                 "field": {"type": "string"}}},
        "Tenant": tenant,
        "FaultRequest": {"type": "object", "required": ["service", "operation"], "properties": fault_fields},
        "Fault": fault,
        "Message": {
            "type": "object", "required": ["id", "service", "channel"],
            "properties": {k: {} for k in ("id", "service", "tenant", "channel", "sender", "recipient", "subject",
                                           "body", "created_at", "metadata")},
        },
        "Status": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}},
    }


def document(version: str, services: list[str]) -> dict[str, Any]:
    """The document for a twin serving ``services`` (the slugs a fault may name)."""
    ok = _json({"$ref": "#/components/schemas/Status"}, "Done")
    not_found = _json(_ERROR, "No such thing")
    paths: dict[str, Any] = {
        "/_twinstack/health": {"get": _op("health", "Services, protocol endpoints and version", {"200": _json({
            "type": "object", "required": ["status", "services", "endpoints", "version"],
            "properties": {"status": {"const": "ok"}, "version": {"type": "string"},
                           "services": {"type": "object", "additionalProperties": {"type": "string"}},
                           "endpoints": {"type": "object", "additionalProperties": {"type": "string"}}},
        }, "The twin is up")})},
        "/_twinstack/tenants": {"post": _op("createTenant", "Create an isolated tenant with credentials per service", {
            "201": _json({"$ref": "#/components/schemas/Tenant"}, "Created"), "400": _bad(),
        }, requestBody=_body({"type": "object", "properties": {
            "name": {"type": ["string", "null"], "description": "default: the tenant's id"}}}, required=False))},
        "/_twinstack/tenants/{tenant_id}": {"get": _op("getTenant", "A tenant and its credentials", {
            "200": _json({"$ref": "#/components/schemas/Tenant"}, "The tenant"), "404": not_found,
        }, parameters=[{"name": "tenant_id", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/_twinstack/reset": {"post": _op("reset", "Wipe all state, tenants included", {"200": ok})},
        "/_twinstack/state/export": {"get": _op("exportState", "The whole state as one document", {"200": _json({
            "type": "object", "required": ["format"], "properties": {"format": {"const": "twinstack-state/1"}},
        }, "The snapshot")})},
        "/_twinstack/state/import": {"post": _op("importState", "Replace the state with an exported snapshot", {
            "200": ok, "400": _bad("Not a snapshot from /_twinstack/state/export; nothing was changed"),
        }, requestBody=_body({"type": "object", "required": ["format"],
                              "properties": {"format": {"const": "twinstack-state/1"}}}))},
        "/_twinstack/clock/advance": {"post": _op("advanceClock", "Run the lifecycles as if time had passed", {
            "200": _json({"type": "object", "required": ["now", "jobs_run"],
                          "properties": {"now": {"type": "string"}, "jobs_run": {"type": "integer"}}}, "Moved on"),
            "400": _bad(),
        }, requestBody=_body({"type": "object", "required": ["seconds"], "properties": {
            "seconds": {"type": "number", "minimum": 0, "maximum": MAX_ADVANCE_S, "description": "at most ten years"},
        }}))},
        "/_twinstack/outbox": {"get": _op("listOutbox", "What the twins sent, newest first", {
            "200": _json({"type": "object", "required": ["messages", "next_cursor"], "properties": {
                "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
                "next_cursor": {"type": ["string", "null"]}}}, "Messages"),
            "400": _bad(),
        }, parameters=[
            *(_query(name, {"type": "string"}, f"only messages with this {name}")
              for name in ("channel", "recipient", "service", "tenant")),
            _query("since", {"type": "string"}, "only messages created at or after this time"),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size (default 100)"),
            _query("cursor", {"type": "integer"}, "next_cursor of the page before"),
        ])},
        "/_twinstack/requests": {"get": _op("listRequests", "The request journal, newest first", {
            "200": _json({"type": "object", "required": ["requests"],
                          "properties": {"requests": {"type": "array", "items": _ANY_OBJECT}}}, "Journal entries"),
            "400": _bad(),
        }, parameters=[_query("limit", {"type": "integer", "minimum": 1, "maximum": 5000}, "at most (default 200)")])},
        "/_twinstack/faults": {
            "post": _op("armFault", "Arm a fault on one operation", {
                "201": _json({"$ref": "#/components/schemas/Fault"}, "Armed"),
                "400": _bad("Bad input, an unknown operation or a status the operation does not declare"),
            }, requestBody=_body({"$ref": "#/components/schemas/FaultRequest"})),
            "get": _op("listFaults", "Armed faults with the calls each has hit", {"200": _json({
                "type": "object", "required": ["faults"],
                "properties": {"faults": {"type": "array", "items": {"$ref": "#/components/schemas/Fault"}}},
            }, "Armed faults")}),
            "delete": _op("clearFaults", "Clear every fault", {"200": _json({
                "type": "object", "required": ["cleared"], "properties": {"cleared": {"type": "integer"}},
            }, "Cleared")}),
        },
        "/_twinstack/faults/{fault_id}": {"delete": _op("clearFault", "Clear one fault", {
            "200": _json({"type": "object", "required": ["cleared"], "properties": {"cleared": {"type": "integer"}}},
                         "Cleared"), "404": not_found,
        }, parameters=[{"name": "fault_id", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/_twinstack/console": {"get": _op("console", "The web console", {
            "200": {"description": "The console page", "content": {"text/html": {"schema": {"type": "string"}}}},
        })},
        "/_twinstack/console/static/{name}": {"get": _op("consoleFile", "A file of the console page", {
            "200": {"description": "The file", "content": {
                "text/css": {"schema": {"type": "string"}}, "text/javascript": {"schema": {"type": "string"}}}},
            "404": not_found,
        }, parameters=[{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/_twinstack/console/api/info": {"get": _op("consoleInfo", "Services, speed and the twin clock", {
            "200": _json({"type": "object", "required": ["services", "speed", "now", "version"], "properties": {
                "services": {"type": "array", "items": {"type": "string"}}, "speed": {"type": "string"},
                "now": {"type": "string"}, "version": {"type": "string"}}}, "About the twin"),
        })},
        "/_twinstack/console/api/tenants": {"get": _op("consoleTenants", "Tenants with their credentials", {
            "200": _json({"type": "object", "required": ["tenants", "total"], "properties": {
                "tenants": {"type": "array", "items": _ANY_OBJECT}, "total": {"type": "integer"}}}, "Tenants"),
        })},
        "/_twinstack/console/api/resources": {"get": _op("consoleResources", "A tenant's resources in one service", {
            "200": _json(_ANY_OBJECT, "Collections with counts; a page of one collection; or one resource"),
            "400": _bad(), "404": not_found,
        }, parameters=[
            {"name": "service", "in": "query", "required": True,
             "schema": {"type": "string", "enum": services} if services else {"type": "string"}},
            {"name": "tenant", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1}},
            _query("collection", {"type": "string"}, "one collection"),
            _query("id", {"type": "string"}, "one resource of the collection"),
            _query("position", {"type": "integer", "minimum": 0, "maximum": 2**62}, "the resource at this place"),
            _query("offset", {"type": "integer", "minimum": 0, "maximum": 2**62}, "first of the page"),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "page size (default 50)"),
        ])},
        "/_twinstack/console/api/requests/stream": {"get": _op("consoleJournalStream", "The journal, live, over SSE", {
            "200": {"description": "Server-sent events for `seconds`",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}}},
            "400": _bad(),
        }, parameters=[_query("seconds", {"type": "number", "exclusiveMinimum": 0, "maximum": 300},
                              "how long the stream lasts (default 30)")])},
        "/_twinstack/openapi.json": {"get": _op("controlDocument", "This document", {
            "200": _json(_ANY_OBJECT, "The control plane's OpenAPI document"),
        })},
        "/_twinstack/{slug}/{name}": {
            method: _op(f"serviceControl{method.title()}", "A service's own control (see that service's README)", {
                "200": _json(_ANY_OBJECT, "The control's answer"), "400": _bad(), "404": not_found,
            }, parameters=[{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                           {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
                **({"requestBody": _body(_ANY_OBJECT, required=False)} if method == "post" else {}))
            for method in ("get", "post")
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "twinstack control plane", "version": version,
                 "description": "Tenants, state, clock, outbox, request journal and faults of a running twin. On a "
                                "non-loopback --host every call needs the control token as a bearer token."},
        "servers": [{"url": "/"}],
        "security": [{}, {"controlToken": []}],
        "paths": paths,
        "components": {"schemas": _schemas(services),
                       "securitySchemes": {"controlToken": {"type": "http", "scheme": "bearer"}}},
    }
