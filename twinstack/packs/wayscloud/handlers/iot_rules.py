"""IoT alarm rules, alarms (lifecycle and timeline) and datapoint definitions.

``RuleCreateRequest.rule_type``, ``scope_type`` and ``severity`` are free strings in the document but
enums in ``IoTRule``: they are checked against the enum (422 naming the field). A rule scoped to a
device, group or profile needs that id, and it must exist. ``config`` is optional in the served
document, default ``{}`` (``cloud iot rules create`` sends none); a threshold rule needs
``config.datapoint_id``, a known ``operator`` and a numeric ``value``. Alarm actions are answered by
``iot.alarms``; the actor on the timeline is the API key or token that acted.
A datapoint's ``key`` is its ``name``; a duplicate is 422 (the operation declares no 409).
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.packs.wayscloud.iot import alarms, rules, telemetry
from twinstack.packs.wayscloud.iot.model import (
    ALARMS, DATAPOINT_NAMES, DATAPOINTS, DEVICES, GROUPS, MAX_RULES, PROFILES, RULES, Scope, bad, check_choice,
    found, new_id,
)

_NO_CONTENT = Reply(None, status=204)
_RULE_FIELDS = ("name", "description", "config", "severity", "actions", "cooldown_seconds", "is_enabled",
                "auto_resolve")
_DATA_TYPES = ("number", "string", "boolean")
_ALARM_STATUSES = ("active", "acknowledged", "resolved", "suppressed", "expired")


def _actor(ctx: RequestContext) -> str:
    principal = ctx.principal
    credential = getattr(principal, "credential", None)
    if credential is not None:
        prefix = str(credential.data.get("key_prefix") or credential.label or "")
        return f"{credential.kind}:{prefix}" if prefix else str(credential.kind)
    return "api"


# -- rules ------------------------------------------------------------------------
def _rule(scope: Scope, rule_id: str) -> dict[str, Any]:
    return found(scope.col(RULES).get(rule_id), "Rule", rule_id, "rule_id")


def _check_config(rule_type: str, config: Any) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise bad("config", "Input should be a valid dictionary", config, "dict_type")
    if rule_type == "threshold":
        if not isinstance(config.get("datapoint_id") or config.get("datapoint") or config.get("key"), str):
            raise bad("config.datapoint_id", "A threshold rule needs the datapoint to watch")
        if str(config.get("operator", "gt")) not in rules.OPERATORS:
            raise bad("config.operator", "Input should be 'gt', 'gte', 'lt', 'lte', 'eq' or 'neq'",
                      config.get("operator"), "enum")
        limit = config.get("value", config.get("threshold"))
        if isinstance(limit, bool) or not isinstance(limit, (int, float)):
            raise bad("config.value", "A threshold rule needs a numeric value", limit, "float_type")
    for name in ("silence_seconds", "duration_seconds", "window_seconds", "max_messages", "max_reconnects"):
        value = config.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
                                  or value > 7 * 86400):
            raise bad(f"config.{name}", "Input should be a number of seconds or events, 0 to 604800", value)
    return dict(config)


def _check_actions(actions: Any) -> None:
    for i, action in enumerate(actions or []):
        if action not in ("create_alarm", "send_webhook", "mark_unhealthy"):
            raise bad(f"actions.{i}", "Input should be 'create_alarm', 'send_webhook' or 'mark_unhealthy'", action,
                      "enum")


async def list_rules(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    wanted = ctx.query.get("scope_type")
    found_rules = scope.col(RULES).find({"scope_type": wanted} if wanted else None, limit=MAX_RULES).items
    return {"rules": [rules.view(r) for r in found_rules]}


def _scope(ctx: RequestContext) -> Scope:
    return Scope.of(ctx)


async def create_rule(ctx: RequestContext) -> Any:
    scope, body = _scope(ctx), dict(ctx.body or {})
    rule_type = body.get("rule_type")
    check_choice("rule_type", rule_type, rules.RULE_TYPES)
    scope_type = body.get("scope_type") or "fleet"
    check_choice("scope_type", scope_type, rules.SCOPES)
    severity = body.get("severity") or "warning"
    check_choice("severity", severity, rules.SEVERITIES)
    _check_actions(body.get("actions"))
    targets = {"device": ("scope_device_id", DEVICES, "Device"), "group": ("scope_group_id", GROUPS, "Group"),
               "profile": ("scope_profile_id", PROFILES, "Profile")}
    if scope_type in targets:
        field, collection, noun = targets[scope_type]
        if not body.get(field) or scope.col(collection).get(str(body[field])) is None:
            raise bad(field, f"{noun} not found: a {scope_type} rule needs an existing {field}", body.get(field))
    if scope.col(RULES).count() >= MAX_RULES:
        raise bad("name", f"An account has at most {MAX_RULES} rules")
    stamp = scope.iso()
    rule: dict[str, Any] = {
        "id": new_id(), "name": body["name"], "rule_type": rule_type, "scope_type": scope_type,
        "config": _check_config(str(rule_type), body.get("config", {})), "severity": severity,
        "actions": list(body.get("actions") or ["create_alarm"]), "cooldown_seconds": body.get("cooldown_seconds", 300),
        "is_enabled": body.get("is_enabled", True), "auto_resolve": body.get("auto_resolve", False),
        "created_at": stamp, "updated_at": stamp,
    }
    for name in ("description", "scope_device_id", "scope_group_id", "scope_profile_id"):
        if body.get(name) is not None:
            rule[name] = body[name]
    scope.col(RULES).put(rule["id"], rule)
    return Reply(rules.view(rule), status=201)


async def get_rule(ctx: RequestContext) -> Any:
    return rules.view(_rule(_scope(ctx), str(ctx.path["rule_id"])))


async def update_rule(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    rule = _rule(scope, str(ctx.path["rule_id"]))
    body = dict(ctx.body or {})
    if body.get("severity") is not None:
        check_choice("severity", body["severity"], rules.SEVERITIES)
    if body.get("config") is not None:
        body["config"] = _check_config(str(rule["rule_type"]), body["config"])
    _check_actions(body.get("actions"))
    for name in _RULE_FIELDS:
        if body.get(name) is not None:
            rule[name] = body[name]
        elif name == "description" and name in body:
            rule.pop(name, None)
    rule["updated_at"] = scope.iso()
    scope.col(RULES).put(rule["id"], rule)
    return rules.view(rule)


async def delete_rule(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    rule = _rule(scope, str(ctx.path["rule_id"]))
    scope.col(RULES).delete(str(rule["id"]))
    return _NO_CONTENT


async def _switch(ctx: RequestContext, on: bool) -> Any:
    scope = _scope(ctx)
    rule = _rule(scope, str(ctx.path["rule_id"]))
    rule.update({"is_enabled": on, "updated_at": scope.iso()})
    scope.col(RULES).put(rule["id"], rule)
    return rules.view(rule)


async def enable_rule(ctx: RequestContext) -> Any:
    return await _switch(ctx, True)


async def disable_rule(ctx: RequestContext) -> Any:
    return await _switch(ctx, False)


# -- alarms -----------------------------------------------------------------------
async def list_alarms(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    page = max(int(ctx.query.get("page") or 1), 1)
    size = min(max(int(ctx.query.get("page_size") or 50), 1), 200)
    where = {f: str(ctx.query[f]) for f in ("status", "severity", "device_id", "rule_id") if ctx.query.get(f)}
    col = scope.col(ALARMS)
    rows = col.find(where or None, newest_first=True, limit=size, offset=min((page - 1) * size, 1 << 62)).items
    return {"alarms": [alarms.view(a) for a in rows], "total": col.count(**where), "page": page, "page_size": size}


async def alarm_summary(ctx: RequestContext) -> Any:
    return alarms.counts(_scope(ctx))


async def get_alarm(ctx: RequestContext) -> Any:
    return alarms.view(alarms.get(_scope(ctx), str(ctx.path["alarm_id"])))


async def get_alarm_timeline(ctx: RequestContext) -> Any:
    return alarms.timeline(_scope(ctx), str(ctx.path["alarm_id"]))


def _note(ctx: RequestContext) -> str | None:
    note = (ctx.body or {}).get("note") if isinstance(ctx.body, dict) else None
    return note if isinstance(note, str) else None


async def acknowledge_alarm(ctx: RequestContext) -> Any:
    return alarms.view(alarms.acknowledge(_scope(ctx), str(ctx.path["alarm_id"]), _actor(ctx), _note(ctx)))


async def resolve_alarm(ctx: RequestContext) -> Any:
    return alarms.view(alarms.resolve(_scope(ctx), str(ctx.path["alarm_id"]), _actor(ctx), _note(ctx)))


async def reopen_alarm(ctx: RequestContext) -> Any:
    return alarms.view(alarms.reopen(_scope(ctx), str(ctx.path["alarm_id"]), _actor(ctx), _note(ctx)))


# -- datapoints -------------------------------------------------------------------
def _datapoint(scope: Scope, datapoint_id: str) -> dict[str, Any]:
    return found(scope.col(DATAPOINTS).get(datapoint_id), "Datapoint", datapoint_id, "datapoint_id")


def _mapping(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("source_topic", "json_path", "aggregation_method"):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            raise bad(name, "Input should be a string of at most 200 characters", value, "string_type")
        if value is not None:
            out[name] = value
    return out


async def list_datapoints(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    return {"datapoints": [telemetry.view(d) for d in scope.col(DATAPOINTS).find(limit=telemetry.MAX_DATAPOINTS).items]}


async def create_datapoint(ctx: RequestContext) -> Any:
    scope, body = _scope(ctx), dict(ctx.body or {})
    check_choice("data_type", body.get("data_type", "number"), _DATA_TYPES)
    if scope.col(DATAPOINTS).count() >= telemetry.MAX_DATAPOINTS:
        raise bad("key", f"An account has at most {telemetry.MAX_DATAPOINTS} datapoints")
    fields = {"label": body.get("label"), "unit": body.get("unit"), "data_type": body.get("data_type", "number"),
              **_mapping(body)}
    created = telemetry.define(scope, str(body["key"]), fields)
    if created is None:
        raise bad("key", f"Datapoint {body['key']} already exists", body["key"])
    return Reply(telemetry.view(created), status=201)


async def get_datapoint(ctx: RequestContext) -> Any:
    return telemetry.view(_datapoint(_scope(ctx), str(ctx.path["datapoint_id"])))


async def update_datapoint(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    dp = _datapoint(scope, str(ctx.path["datapoint_id"]))
    body = dict(ctx.body or {})
    for name in ("label", "unit"):
        if name in body:
            if body[name] is None:
                dp.pop(name, None)
            else:
                dp[name] = body[name]
    dp.update(_mapping(body))
    dp["mapped"] = bool(dp.get("source_topic"))
    scope.col(DATAPOINTS).put(str(dp["id"]), dp)
    return telemetry.view(dp)


async def delete_datapoint(ctx: RequestContext) -> Any:
    scope = _scope(ctx)
    dp = _datapoint(scope, str(ctx.path["datapoint_id"]))
    scope.col(DATAPOINT_NAMES).delete(str(dp["name"]))
    scope.col(DATAPOINTS).delete(str(dp["id"]))
    return _NO_CONTENT


def patch_document(doc: dict[str, Any]) -> None:
    """``cloud iot rules create`` sends no ``config``, which the document requires: the served document
    makes it optional with the default ``{}`` (what the handler uses)."""
    schema = doc["components"]["schemas"]["RuleCreateRequest"]
    schema["required"] = [r for r in schema.get("required", []) if r != "config"]
    schema["properties"]["config"] = {**schema["properties"]["config"], "default": {}}


HANDLERS: dict[str, Handler] = {
    "list_rules_v1_iot_rules_get": list_rules,
    "create_rule_v1_iot_rules_post": create_rule,
    "get_rule_v1_iot_rules__rule_id__get": get_rule,
    "update_rule_v1_iot_rules__rule_id__put": update_rule,
    "delete_rule_v1_iot_rules__rule_id__delete": delete_rule,
    "enable_rule_v1_iot_rules__rule_id__enable_post": enable_rule,
    "disable_rule_v1_iot_rules__rule_id__disable_post": disable_rule,
    "list_alarms_v1_iot_alarms_get": list_alarms,
    "alarm_summary_v1_iot_alarms_summary_get": alarm_summary,
    "get_alarm_v1_iot_alarms__alarm_id__get": get_alarm,
    "get_alarm_timeline_v1_iot_alarms__alarm_id__timeline_get": get_alarm_timeline,
    "acknowledge_alarm_v1_iot_alarms__alarm_id__acknowledge_post": acknowledge_alarm,
    "resolve_alarm_v1_iot_alarms__alarm_id__resolve_post": resolve_alarm,
    "reopen_alarm_v1_iot_alarms__alarm_id__reopen_post": reopen_alarm,
    "list_datapoints_v1_iot_datapoints_get": list_datapoints,
    "create_datapoint_v1_iot_datapoints_post": create_datapoint,
    "get_datapoint_v1_iot_datapoints__datapoint_id__get": get_datapoint,
    "update_datapoint_v1_iot_datapoints__datapoint_id__put": update_datapoint,
    "delete_datapoint_v1_iot_datapoints__datapoint_id__delete": delete_datapoint,
}

DOCUMENT_PATCHES = (patch_document,)
