"""Compiles an OpenAPI document once, at start: operations, parameters, validators.

Every JSON Schema the hot path needs is named (``Param.key``, ``Media.key``)
and checked against the meta-schema here; its validator is compiled on first
use, once per distinct schema, with internal ``$ref``s resolved in the
document (``validators.py``).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlparse

from twinstack.errors import StartupError
from twinstack.spec.dialect import Dialect
from twinstack.spec.directions import Directions
from twinstack.spec.model import HTTP_METHODS, Media, Operation, Param, Response, SecurityScheme, ServiceSpec
from twinstack.spec.refs import check_schema_refs, deref, escape, pointer_get, refs_in
from twinstack.spec.v3_0 import OpenAPI30
from twinstack.spec.v3_1 import OpenAPI31
from twinstack.spec.validators import SchemaValidators

log = logging.getLogger("twinstack.spec")

_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")


def dialect_for(version: str) -> Dialect:
    return OpenAPI31() if version.startswith("3.1") else OpenAPI30()


def convert_document(doc: dict[str, Any], dialect: Dialect, defects: list[str]) -> dict[str, Any]:
    """Copy of ``doc`` with every Schema Object turned into JSON Schema 2020-12."""

    def walk(node: Any, pointer: str, parent_key: str) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                here = f"{pointer}/{escape(str(key))}"
                if key == "schema" and isinstance(value, dict) and parent_key != "properties":
                    out[key] = dialect.convert(value, defects, here)
                elif key == "schemas" and parent_key == "components" and isinstance(value, dict):
                    out[key] = {n: dialect.convert(s, defects, f"{here}/{escape(n)}") for n, s in value.items()}
                elif key in ("example", "examples"):
                    out[key] = value
                else:
                    out[key] = walk(value, here, str(key))
            return out
        if isinstance(node, list):
            return [walk(v, f"{pointer}/{i}", parent_key) for i, v in enumerate(node)]
        return node

    converted: dict[str, Any] = walk(doc, "#", "")
    return converted


def base_path_of(doc: dict[str, Any]) -> str:
    servers = doc.get("servers") or []
    if not servers or not isinstance(servers[0], dict):
        return ""
    url = str(servers[0].get("url", ""))
    for name, var in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(var.get("default", "")))
    path = urlparse(url).path if "://" in url else url
    return path.rstrip("/")


def hosts_of(doc: dict[str, Any]) -> list[str]:
    hosts = []
    for server in doc.get("servers") or []:
        url = str(server.get("url", "")) if isinstance(server, dict) else ""
        host = urlparse(url).hostname if "://" in url else None
        if host and host not in ("localhost", "127.0.0.1", "0.0.0.0"):
            hosts.append(host)
    return hosts


def json_kind(schema: Any, doc: dict[str, Any], depth: int = 0) -> str:
    """The JSON type a parameter's text is coerced to before validation."""
    if not isinstance(schema, dict) or depth > 8:
        return "string"
    if "$ref" in schema:
        try:
            return json_kind(pointer_get(doc, schema["$ref"]), doc, depth + 1)
        except (KeyError, ValueError, IndexError):
            return "string"
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if isinstance(kind, str):
        return kind
    for combo in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combo) or []:
            found = json_kind(sub, doc, depth + 1)
            if found != "string":
                return found
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _operation_id(method: str, path: str, op: dict[str, Any]) -> str:
    explicit = op.get("operationId")
    if isinstance(explicit, str) and explicit:
        return explicit
    return f"{method}_{_NON_WORD.sub('_', path).strip('_')}"


def _schemes(doc: dict[str, Any], defects: list[str]) -> dict[str, SecurityScheme]:
    schemes: dict[str, SecurityScheme] = {}
    for name, raw in ((doc.get("components") or {}).get("securitySchemes") or {}).items():
        raw = deref(doc, raw, defects, f"#/components/securitySchemes/{name}")
        kind = raw.get("type", "http")
        if kind == "apiKey":
            schemes[name] = SecurityScheme(name, "apiKey", raw.get("in", "header"), raw.get("name", "X-API-Key"), "")
        elif kind == "http":
            scheme = str(raw.get("scheme", "bearer")).lower()
            schemes[name] = SecurityScheme(name, "http", "header", "Authorization", scheme)
        else:
            # OAuth2 and OpenID Connect both carry a bearer token on the wire.
            schemes[name] = SecurityScheme(name, kind, "header", "Authorization", "bearer")
    return schemes


def compile_spec(doc: dict[str, Any], slug: str, source: str, base_path: str | None = None) -> ServiceSpec:
    """Compile ``doc``; document defects are collected, logged once, and worked around."""
    defects: list[str] = []
    version = str(doc.get("openapi", "3.0.0"))
    dialect = dialect_for(version)
    conv = convert_document(doc, dialect, defects)
    refs = refs_in(conv)
    conv = check_schema_refs(conv, conv, refs, defects, source)
    schemes = _schemes(conv, defects)
    directions = Directions(conv)
    defs: dict[str, Any] = {}
    operations: list[Operation] = []
    seen_ids: set[str] = set()
    global_security = conv.get("security")

    for path, item in (conv.get("paths") or {}).items():
        item = deref(conv, item, defects, f"#/paths/{escape(path)}")
        if not isinstance(item, dict):
            continue
        shared_params = item.get("parameters") or []
        for method in HTTP_METHODS:
            raw = item.get(method)
            if not isinstance(raw, dict):
                continue
            where = f"#/paths/{escape(path)}/{method}"
            op_id = _operation_id(method, path, raw)
            if op_id in seen_ids:
                defects.append(f"{where}: duplicate operationId {op_id!r}; renamed")
                op_id = f"{op_id}_{method}_{len(seen_ids)}"
            seen_ids.add(op_id)
            params = _params(conv, shared_params, raw.get("parameters") or [], op_id, defs, defects, where)
            body_required, body = _body(conv, raw.get("requestBody"), op_id, defs, defects, where, directions)
            responses = _responses(conv, raw.get("responses") or {}, op_id, defs, defects, where, directions)
            security = raw.get("security", global_security)
            requirements: list[dict[str, list[str]]] = []
            for requirement in security or []:
                if not isinstance(requirement, dict):
                    continue
                for scheme_name in requirement:
                    if scheme_name not in schemes:
                        # An undeclared scheme (WAYSCloud's BearerAuth) is read as http bearer.
                        defects.append(f"{where}/security: scheme {scheme_name!r} is not defined; read as http bearer")
                        schemes[scheme_name] = SecurityScheme(scheme_name, "http", declared=False)
                requirements.append({k: list(v or []) for k, v in requirement.items()})
            if any(not r for r in requirements):
                requirements = []  # an empty requirement object makes the operation open
            operations.append(
                Operation(
                    service=slug,
                    operation_id=op_id,
                    method=method.upper(),
                    path=path,
                    params=params,
                    body_required=body_required,
                    body=body,
                    responses=responses,
                    security=requirements,
                    tags=list(raw.get("tags") or []),
                    summary=str(raw.get("summary") or ""),
                    description=str(raw.get("description") or ""),
                )
            )

    validators = SchemaValidators(conv, defs, refs)
    try:
        validators.check()
    except Exception as exc:  # the library reports bad schemas with several exception types
        raise StartupError(f"schemas do not compile: {exc}", source) from exc
    _check_examples(operations, validators, defects)
    for defect in dict.fromkeys(defects):
        log.warning("%s: %s", slug, defect)
    return ServiceSpec(
        slug=slug,
        source=source,
        version=version,
        title=str((doc.get("info") or {}).get("title", slug)),
        base_path=base_path_of(doc) if base_path is None else base_path,
        doc=conv,
        operations=operations,
        schemes=schemes,
        validators=validators,
        defects=list(dict.fromkeys(defects)),
    )


def _check_examples(operations: list[Operation], validators: SchemaValidators, defects: list[str]) -> None:
    """Examples that contradict their own schema are noted; the twin never serves them."""
    for op in operations:
        for status, response in op.responses.items():
            for ct, media in response.media.items():
                if media.example is None or not media.key:
                    continue
                validator = validators.validator(media.key)
                if validator is not None and not validator.is_valid(media.example):
                    problem = next(iter(validator.iter_errors(media.example))).message[:160]
                    defects.append(f"{op.operation_id} {status} {ct}: example contradicts its schema ({problem}); not served")


def _params(
    doc: dict[str, Any], shared: list[Any], own: list[Any], op_id: str, defs: dict[str, Any], defects: list[str], where: str
) -> list[Param]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*shared, *own]:
        p = deref(doc, raw, defects, f"{where}/parameters")
        if not isinstance(p, dict) or "name" not in p:
            continue
        merged[(p["name"], p.get("in", "query"))] = p
    params = []
    for (name, location), p in merged.items():
        schema = p.get("schema")
        if schema is None and isinstance(p.get("content"), dict) and p["content"]:
            schema = next(iter(p["content"].values())).get("schema")
        schema = schema if isinstance(schema, dict) else {}
        key = f"{op_id}.{location}.{name}"
        defs[key] = schema
        kind = json_kind(schema, doc)
        item_kind = json_kind(schema.get("items"), doc) if kind == "array" else "string"
        style = p.get("style") or ("form" if location in ("query", "cookie") else "simple")
        explode = p.get("explode", style == "form")
        params.append(
            Param(name, location, bool(p.get("required")) or location == "path", schema, key, style, bool(explode), kind, item_kind)
        )
    return params


def _body(
    doc: dict[str, Any], raw: Any, op_id: str, defs: dict[str, Any], defects: list[str], where: str,
    directions: Directions,
) -> tuple[bool, dict[str, Media]]:
    body = deref(doc, raw, defects, f"{where}/requestBody") if raw is not None else None
    if not isinstance(body, dict):
        return False, {}
    media: dict[str, Media] = {}
    for ct, content in (body.get("content") or {}).items():
        content = content if isinstance(content, dict) else {}
        schema = directions.request(content.get("schema"))
        key = None
        if isinstance(schema, dict):
            key = f"{op_id}.body.{ct}"
            defs[key] = directions.keep(key, schema)
        media[ct.split(";")[0].strip().lower()] = Media(ct, schema if isinstance(schema, dict) else None, key, content.get("example"))
    return bool(body.get("required")), media


def _responses(
    doc: dict[str, Any], raw: dict[str, Any], op_id: str, defs: dict[str, Any], defects: list[str], where: str,
    directions: Directions,
) -> dict[str, Response]:
    out: dict[str, Response] = {}
    for status, resp in raw.items():
        status = str(status).upper()
        resp = deref(doc, resp, defects, f"{where}/responses/{status}")
        if not isinstance(resp, dict):
            continue
        media: dict[str, Media] = {}
        for ct, content in (resp.get("content") or {}).items():
            content = content if isinstance(content, dict) else {}
            schema = directions.response(content.get("schema"))
            key = None
            if isinstance(schema, dict):
                key = f"{op_id}.response.{status}.{ct}"
                defs[key] = directions.keep(key, schema)
            example = content.get("example")
            if example is None and isinstance(content.get("examples"), dict) and content["examples"]:
                first = deref(doc, next(iter(content["examples"].values())), defects, where)
                example = first.get("value") if isinstance(first, dict) else None
            media[ct.split(";")[0].strip().lower()] = Media(ct, schema if isinstance(schema, dict) else None, key, example)
        headers = {
            name: deref(doc, h, defects, where) for name, h in (resp.get("headers") or {}).items()
        }
        out[status] = Response(status, media, headers, str(resp.get("description") or ""))
    return out
