"""Tag ``Webhooks``: subscriptions (created active, signed real deliveries), the delivery log per project.

Responses never carry the secret or the auth values; see ``twinstack.packs.odin.webhooks``
for the headers, the signature and the retry schedule.
"""

from __future__ import annotations

from typing import Any

from twinstack.engine.context import Reply, RequestContext
from twinstack.engine.pack import Handler
from twinstack.errors import FieldIssue, NotFound, ValidationFailed
from twinstack.packs.odin.participants import is_uuid
from twinstack.packs.odin.project_scope import page_params, require_project, stamp
from twinstack.packs.odin.webhooks import (
    SUBSCRIPTIONS,
    WEBHOOK_EVENTS,
    WEBHOOK_INDEXES,
    auth_headers,
    delivery_views,
    engine,
    seal_credentials,
    stored_credentials,
)

_AUTH_FIELDS = ("authType", "apiKey", "apiKeyHeader", "basicAuthUsername", "basicAuthPassword", "customHeaders")


def _issue(name: str, message: str, value: Any = None) -> FieldIssue:
    return FieldIssue("body", (name,), message, "rule", value)


def _check(fields: dict[str, Any], *, creating: bool) -> None:
    issues: list[FieldIssue] = []
    if "secret" in fields or creating:
        secret = fields.get("secret")
        if not isinstance(secret, str) or not secret:
            issues.append(_issue("secret", "should not be empty", secret))
    if "events" in fields or creating:
        events = fields.get("events")
        if not isinstance(events, list) or not events:
            issues.append(_issue("events", "should not be empty", events))
        else:
            issues += [FieldIssue("body", ("events", i), "must be a non-empty string", "rule", e)
                       for i, e in enumerate(events) if not isinstance(e, str) or not e.strip()]
    kind = fields.get("authType") or "none"
    if kind == "api_key" and not fields.get("apiKey"):
        issues.append(_issue("apiKey", "should not be empty", fields.get("apiKey")))
    if kind == "basic_auth":
        issues += [_issue(name, "should not be empty", fields.get(name))
                   for name in ("basicAuthUsername", "basicAuthPassword") if not fields.get(name)]
    if kind == "custom_headers" and not fields.get("customHeaders"):
        issues.append(_issue("customHeaders", "should not be empty", fields.get("customHeaders")))
    if issues:
        raise ValidationFailed(issues)


def _view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _subscription(ctx: RequestContext, project_id: str) -> dict[str, Any]:
    sid = str(ctx.path["id"])
    found = ctx.collection(SUBSCRIPTIONS).get(sid) if is_uuid(sid) else None
    if found is None or found.get("projectId") != project_id:
        raise NotFound("Webhook subscription not found", field="id")
    return found


async def create_subscription(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    body = dict(ctx.body)
    _check(body, creating=True)
    auth = {k: body[k] for k in _AUTH_FIELDS if k in body}
    auth["authType"] = body.get("authType") or "none"
    created = engine(ctx.twin).create_endpoint(
        ctx.slug, ctx.tenant, str(body["url"]), [str(e) for e in body["events"]],
        secret=seal_credentials(ctx.twin, str(body["secret"]), auth_headers(auth)), metadata={"projectId": project_id},
    )
    now = stamp(ctx)
    record: dict[str, Any] = {
        "id": created.endpoint.id, "tenantId": ctx.tenant, "projectId": project_id, "url": created.endpoint.url,
        "events": list(created.endpoint.events), "isActive": True, "authType": auth["authType"],
        "createdAt": now, "updatedAt": now,
    }
    if body.get("description") is not None:
        record["description"] = body["description"]
    ctx.collection(SUBSCRIPTIONS).put(record["id"], record)
    return Reply(record, status=201)


async def list_subscriptions(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    return [_view(r) for r in ctx.collection(SUBSCRIPTIONS).find({"projectId": project_id}).items]


async def get_subscription(ctx: RequestContext) -> Any:
    return _view(_subscription(ctx, str(require_project(ctx)["id"])))


async def update_subscription(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    record = _subscription(ctx, project_id)
    body = dict(ctx.body)
    auth_given = any(k in body for k in _AUTH_FIELDS)
    # Auth values are not kept readable, so a change of auth gives the whole auth of its type again.
    auth = {"authType": record["authType"], **{k: body[k] for k in _AUTH_FIELDS if k in body}}
    _check({**body, **auth} if auth_given else {k: v for k, v in body.items() if k not in _AUTH_FIELDS}, creating=False)
    sealed = None
    if auth_given or body.get("secret"):
        secret, headers = stored_credentials(ctx.twin, ctx.tenant, str(record["id"]))
        sealed = seal_credentials(ctx.twin, str(body.get("secret") or secret),
                                  auth_headers(auth) if auth_given else headers)
    endpoint = engine(ctx.twin).update_endpoint(
        ctx.slug, ctx.tenant, record["id"], url=body.get("url"),
        events=[str(e) for e in body["events"]] if "events" in body else None, active=body.get("isActive"),
        secret=sealed,
    )
    if endpoint is None:
        raise NotFound("Webhook subscription not found", field="id")
    updated = {**record, "url": endpoint.url, "events": list(endpoint.events), "isActive": endpoint.status == "active",
               "authType": auth.get("authType") or "none", "updatedAt": stamp(ctx)}
    if "description" in body:
        updated["description"] = body["description"]
    ctx.collection(SUBSCRIPTIONS).put(record["id"], updated)
    return _view(updated)


async def delete_subscription(ctx: RequestContext) -> Any:
    record = _subscription(ctx, str(require_project(ctx)["id"]))
    engine(ctx.twin).revoke_endpoint(ctx.slug, ctx.tenant, record["id"])
    ctx.collection(SUBSCRIPTIONS).delete(record["id"])
    return {"message": "Subscription deleted"}


async def list_events(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    limit, offset = page_params(ctx)
    where: dict[str, Any] = {"projectId": project_id}
    if ctx.query.get("status"):
        where["status"] = ctx.query["status"]
    page = ctx.collection(WEBHOOK_EVENTS).find(where, newest_first=True, limit=limit, offset=offset)
    return [_view(r) for r in page.items]


async def get_event(ctx: RequestContext) -> Any:
    project_id = str(require_project(ctx)["id"])
    eid = str(ctx.path["id"])
    row = ctx.collection(WEBHOOK_EVENTS).get(eid) if is_uuid(eid) else None
    if row is None or row.get("projectId") != project_id:
        raise NotFound("Webhook event not found", field="id")
    return {**_view(row), "deliveries": delivery_views(ctx.twin, ctx.tenant, eid)}


INDEXES = WEBHOOK_INDEXES
HANDLERS: dict[str, Handler] = {
    "createSubscription": create_subscription,
    "listSubscriptions": list_subscriptions,
    "getSubscription": get_subscription,
    "updateSubscription": update_subscription,
    "deleteSubscription": delete_subscription,
    "listEvents": list_events,
    "getEvent": get_event,
}
