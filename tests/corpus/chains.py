"""Create -> read -> list -> update -> delete -> 404 chains derived from a corpus document, run over HTTP.

The chains come from the engine's inferred resource plans
(``twinstack.engine.inference.infer``, what ``Twin.plans`` holds): every
collection with a create and an item read. Request bodies, required query
and header parameters are built from the document's own request schemas
(its examples first) and checked against them before they are sent, so a
refused request is the twin's doing, never the harness'. A nested collection
first gets its parent created through the parent's own create operation.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from tests.corpus.documents import CorpusTarget
from twinstack.engine.inference import Plan, infer
from twinstack.engine.synth import Synth
from twinstack.spec.compiler import compile_spec
from twinstack.spec.model import Media, Operation, SecurityScheme, ServiceSpec

CRUD = ("create", "list", "read", "update", "replace", "delete")
MEDIA_PREFERENCE = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(slots=True)
class Chain:
    """The CRUD operations of one collection (``create`` and ``read`` always present)."""

    collection: str
    operations: dict[str, Operation]
    plans: dict[str, Plan]

    def label(self) -> str:
        return self.collection


@dataclass(slots=True)
class Document:
    """A compiled corpus document: its chains, and what building requests needs."""

    target: CorpusTarget
    spec: ServiceSpec
    synth: Synth
    chains: dict[str, Chain] = field(default_factory=dict)


def compile_document(target: CorpusTarget) -> Document:
    logging.getLogger("twinstack.spec").setLevel(logging.ERROR)
    spec = compile_spec(target.document(), target.slug, str(target.path()))
    document = Document(target, spec, Synth(spec.doc, spec.validators))
    plans = infer(spec.operations)
    by_id = spec.by_id()
    found: dict[str, dict[str, tuple[Operation, Plan]]] = {}
    for op_id, plan in plans.items():
        if plan.kind in CRUD:
            # The first operation of a kind wins (a document may declare two PUTs on one item).
            found.setdefault(plan.collection, {}).setdefault(plan.kind, (by_id[op_id], plan))
    for collection, kinds in found.items():
        if "create" in kinds and "read" in kinds:
            document.chains[collection] = Chain(collection, {k: op for k, (op, _) in kinds.items()},
                                                {k: plan for k, (_, plan) in kinds.items()})
    return document


class ChainRunner:
    """Sends one document's requests as a client would: its credentials, its media types, its paths."""

    def __init__(self, document: Document, http: httpx.Client, base_url: str, creds: dict[str, Any]) -> None:
        self.document = document
        self.http = http
        self.base_url = base_url
        self.creds = creds
        self.log: list[str] = []

    def send(self, op: Operation, path_values: dict[str, str], seed: str) -> tuple[httpx.Response, Any]:
        """One request to ``op``: the body it sends (None without one) beside the response."""
        path = op.path
        for name, value in path_values.items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        headers, params = self.auth(op)
        for param in op.params:
            if param.required and param.location in ("query", "header"):
                value = self.valid_value(param.schema, param.key, f"{seed}|{param.name}", param.name)
                (params if param.location == "query" else headers)[param.name] = _text(value)
        body: Any = None
        kwargs: dict[str, Any] = {}
        media = _pick_media(op.body)
        if media is not None and media.schema is not None:
            body = self.without_read_only(media.schema, self.valid_value(media.schema, media.key, seed, ""))
            kind = media.content_type.split(";")[0].strip().lower()
            if kind == "application/x-www-form-urlencoded":
                kwargs["data"] = {k: _text(v) for k, v in body.items()}
            elif kind == "multipart/form-data":
                kwargs["files"] = {k: (None, _text(v)) for k, v in body.items()}
            else:
                kwargs["json"] = body
        response = self.http.request(op.method, self.base_url + path, headers=headers, params=params, **kwargs)
        self.log.append(f"{op.method} {path} -> {response.status_code} {response.text[:300]}")
        return response, body

    def valid_value(self, schema: dict[str, Any], key: str | None, seed: str, name: str) -> Any:
        value = self.document.synth.generate(schema, seed, name)
        checker = self.document.spec.validator(key) if key else None
        if checker is not None and not checker.is_valid(value):
            problem = next(iter(checker.iter_errors(value))).message
            raise AssertionError(f"the harness built an invalid request value {value!r}: {problem}")
        return value

    def without_read_only(self, schema: dict[str, Any], body: Any) -> Any:
        """``body`` without the top-level properties the server assigns: a client does not send them."""
        if not isinstance(body, dict):
            return body
        props, _ = self.document.synth.properties(self.document.synth.resolve(schema))
        return {k: v for k, v in body.items()
                if not self.document.synth.resolve(props.get(k, {})).get("readOnly")}

    def auth(self, op: Operation) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and query parameters for the first security requirement the tenant's credentials satisfy."""
        for requirement in op.security:
            headers: dict[str, str] = {}
            params: dict[str, str] = {}
            if all(self._apply(self.document.spec.schemes[name], headers, params) for name in requirement):
                return headers, params
        return {}, {}

    def _apply(self, scheme: SecurityScheme, headers: dict[str, str], params: dict[str, str]) -> bool:
        if scheme.type == "apiKey":
            key = self.creds.get("api_key")
            if not isinstance(key, str):
                return False
            (params if scheme.location == "query" else headers)[scheme.param_name] = key
            return True
        if scheme.scheme == "basic":
            if not isinstance(self.creds.get("username"), str):
                return False
            pair = f"{self.creds['username']}:{self.creds.get('password', '')}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
            return True
        if isinstance(self.creds.get("token"), str):
            headers["Authorization"] = f"Bearer {self.creds['token']}"
            return True
        return False


def _pick_media(body: dict[str, Media]) -> Media | None:
    for preferred in MEDIA_PREFERENCE:
        for content_type, media in body.items():
            if content_type == preferred or (preferred == "application/json" and content_type.endswith("+json")):
                return media
    return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def unwrap(body: Any) -> Any:
    """The resource inside a one-resource envelope (``{"data": {...}}``), else the body itself."""
    if isinstance(body, dict) and isinstance(body.get("data"), dict) and len(body) <= 3:
        return body["data"]
    return body


def id_candidates(response: httpx.Response, id_param: str) -> list[str]:
    """Values a client would try as the new resource's id: Location's last segment, then id-like fields."""
    found: list[str] = []
    location = response.headers.get("location")
    if location:
        found.append(location.rstrip("/").rsplit("/", 1)[-1])
    try:
        resource = unwrap(response.json())
    except ValueError:
        resource = None
    if isinstance(resource, dict):
        lowered = {k.lower(): v for k, v in resource.items()}
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in id_param).lstrip("_")
        for name in (id_param, id_param.lower(), snake, "id", "uuid", "sid", id_param.removesuffix("Id").lower(),
                     "name", "slug", "username", "key"):
            value = lowered.get(name.lower())
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
                found.append(str(value))
    return list(dict.fromkeys(found))


def mentions(body: Any, value: str) -> bool:
    """True when ``value`` appears as a scalar anywhere in ``body`` (a listed resource's id)."""
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif item is not None and not isinstance(item, bool) and str(item) == value:
            return True
    return False
