"""The request pipeline, as one ordered list of stages.

1. route     match method + path to an operation (404 unknown path, 405 + Allow)
2. identify  request id; the credential -> principal -> tenant (401 / 403)
3. params    read path/query/header/cookie by style, coerce, validate (400/422)
4. body      read by content type, validate against the media schema (400/422)
5. handle    the pack's override for this operationId, else the generic twin
6. render    shape the reply to the declared response, validate it (strict: raise)
7. journal   method, path, status, service, operation, duration

Each stage relies only on what the stages above it produced. Domain errors
raised anywhere are rendered by the service's own error renderer; anything
unexpected becomes a logged 500 (re-raised when the app runs in strict mode).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from twinstack.control import faults
from twinstack.engine import generic
from twinstack.engine.body import decode_body, decode_multipart, pick_media
from twinstack.engine.context import Body, Reply, RequestContext
from twinstack.engine.params import read_param
from twinstack.engine.security import Principal, RequestView
from twinstack.engine.tenants import DEFAULT_TENANT
from twinstack.engine.twin import ResponseMismatch, Twin
from twinstack.engine.validation import issues_for
from twinstack.errors import FieldIssue, MethodNotAllowed, NotFound, TwinError, ValidationFailed
from twinstack.spec.model import Operation

log = logging.getLogger("twinstack.pipeline")

_READS = ("GET", "HEAD")
"""Methods whose answers may be reused (``engine/read_cache.py``)."""

Result = tuple[int, dict[str, str], Body, "str | None", str]
"""status, headers, body (bytes, or chunks to stream), content type, operation id"""


async def run(twin: Twin, request: Request, path: str, base_url: str) -> Result:
    request_id = twin.pack.request_id()
    op = None
    try:
        # 1. route
        match = twin.router.match(request.method, path or "/")
        if match is None:
            raise NotFound(f"No route for {request.method} {path}", code="not_found", details={"path": request.url.path})
        if match.operation is None:
            raise MethodNotAllowed(
                f"Method {request.method} not allowed", headers={"Allow": ", ".join(match.allowed)}
            )
        op = match.operation
        query_string = request.scope.get("query_string", b"")
        raw_query = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True) if query_string else []
        query_flat = dict(raw_query)
        cookies = request.cookies if (op.needs_cookies or twin.cookie_auth) else {}
        # 2. identify
        view = RequestView(request.headers, query_flat, cookies)
        principal = twin.auth.authenticate(op, view)
        if twin.pack.authorize is not None:
            twin.pack.authorize(twin, principal, op, match.path_params)
        tenant = principal.tenant if principal is not None else DEFAULT_TENANT
        # armed faults (latency, a declared error status, a dropped connection); nothing to do when none is armed
        fault_header = request.headers.get(faults.HEADER)
        if fault_header is not None or faults.armed_for(twin):
            await faults.apply(twin, op, tenant, fault_header, request.scope)
        # 3. params
        issues: list[FieldIssue] = []
        values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}, "cookie": {}}
        for param in op.params:
            present, value = read_param(param, raw_query, request.headers, cookies, match.path_params)
            if not present:
                if param.required:
                    issues.append(FieldIssue(param.location, (param.name,), "Field required", "missing"))
                continue
            values[param.location][param.name] = value
            issues.extend(issues_for(twin.spec.validator(param.key), value, param.location, (param.name,)))
        # 4. body
        raw = await request.body() if op.body or request.method in ("POST", "PUT", "PATCH") else b""
        content_type = request.headers.get("content-type", "") if raw or op.body else ""
        body: Any = None
        if op.body:
            media = pick_media(op, content_type or "application/json")
            binary = media is not None and not _structured(media.content_type)
            if not raw and not binary and not (media and media.content_type.startswith("multipart/")):
                if op.body_required:
                    issues.extend(_missing_body(twin, op))
            elif media is None:
                unsupported = f"Unsupported content type {content_type!r}; expected {', '.join(op.body)}"
                if op.declared(415):
                    raise TwinError(unsupported, code="unsupported_media_type", status=415, field="body")
                issues.append(FieldIssue("body", (), unsupported, "content_type"))
            else:
                if media.content_type.startswith("multipart/"):
                    body = await decode_multipart(request, media, twin.synth.resolve)
                else:
                    body = decode_body(raw, content_type or media.content_type, media, twin.synth.resolve)
                if body is not None and twin.pack.adapt_body is not None and not isinstance(body, bytes):
                    body = twin.pack.adapt_body(op, body)
                if body is None and op.body_required:
                    issues.append(FieldIssue("body", (), "Field required", "missing"))
                elif media.key and not isinstance(body, bytes):
                    issues.extend(issues_for(twin.spec.validator(media.key), body, "body"))
        if issues:
            raise ValidationFailed(issues)
        # 5. handle; a read asked again before the state changed gets the answer it got then
        reads = request.method in _READS
        kept_as = None
        generation = None
        if reads and op.operation_id in twin.read_cache.reusing:
            kept_as = _reuse_key(request, op, tenant, principal, base_url + path, query_string)
            if kept_as is not None:
                kept = twin.read_cache.get(kept_as)
                if kept is not None:
                    kept[1]["X-Request-Id"] = request_id
                    return kept[0], kept[1], kept[2], kept[3], op.operation_id
                if twin.read_cache.asked_before(kept_as):
                    # Asked again: its answer is worth keeping, as of where the state stands now.
                    generation = twin.read_cache.generation()
        ctx = RequestContext(
            twin=twin, operation=op, tenant=tenant, principal=principal, path=values["path"], query=values["query"],
            headers=request.headers, cookies=cookies, body=body, raw_body=raw, content_type=content_type,
            request_id=request_id, raw_query=raw_query, client_host=_client_host(request),
            base_url=base_url,
        )
        handler = twin.pack.handlers.get(op.operation_id, generic.handle)
        result = await handler(ctx)
        reply = result if isinstance(result, Reply) else Reply(result)
        # 6. render
        status, headers, data, ctype = twin.render(ctx, reply)
        if reply.reuse and isinstance(data, bytes):
            twin.read_cache.reusing.add(op.operation_id)
            if generation is not None and kept_as is not None:
                twin.read_cache.keep(kept_as, generation, (status, dict(headers), data, ctype), request_id)
    except TwinError as err:
        status, headers, data, ctype = twin.render_error(op, err, request_id)
    except (ResponseMismatch, faults.Dropped):
        raise
    except Exception as exc:
        if twin.strict:
            raise
        log.exception("unhandled error in %s %s", request.method, path)
        internal = TwinError(f"Internal error: {type(exc).__name__}", code="internal_error", status=500)
        status, headers, data, ctype = twin.render_error(op, internal, request_id)
    headers.setdefault("X-Request-Id", request_id)
    return status, headers, data, ctype, op.operation_id if op else ""


def _reuse_key(
    request: Request, op: Operation, tenant: str, principal: Principal | None, url: str, query: bytes,
) -> tuple[Hashable, ...] | None:
    """What a reusable answer depends on: the read, the caller, the URL it was asked at (links in it name
    the host), the query and declared headers."""
    caller: str = ""
    if principal is not None:
        if principal.credential is None:
            # A caller known only by its token's claims: no stable name to keep an answer under.
            return None
        caller = principal.credential.token_hash
    declared = tuple(
        request.headers.get(p.name) if p.location == "header" else request.cookies.get(p.name)
        for p in op.params if p.location in ("header", "cookie")
    ) if op.reads_headers else ()
    return request.method, op.operation_id, tenant, caller, url, query, declared


def _client_host(request: Request) -> str:
    client = request.scope.get("client")
    return str(client[0]) if client else ""


def _missing_body(twin: Twin, op: Any) -> list[FieldIssue]:
    """An absent required body: name each required property when the body is an object."""
    media = op.body.get("application/json") or next(iter(op.body.values()), None)
    if media is not None and media.key and twin.synth.kind(media.schema or {}) == "object":
        named = [i for i in issues_for(twin.spec.validator(media.key), {}, "body") if i.kind == "missing"]
        for issue in named:
            issue.context["body_absent"] = True
            issue.value = None
        if named:
            return named
    return [FieldIssue("body", (), "Field required", "missing", None, {"body_absent": True})]


def _structured(content_type: str) -> bool:
    """Media read as a document (an empty one is no body), unlike raw bytes or text (empty is a value)."""
    ct = content_type.split(";")[0].strip().lower()
    return "json" in ct or ct in ("application/x-www-form-urlencoded", "*/*") or ct.startswith("multipart/")


def elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
