"""One service at run time: its compiled spec, router, resource map and helpers.

Everything here is built once at start; the hot path only reads it.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import uuid
from typing import Any

import jwt
import orjson
import rstr

from twinstack.engine.context import Body, Reply, RequestContext
from twinstack.engine.error_styles.declared import Declared
from twinstack.engine.envelope import _WRAPPERS, Envelope
from twinstack.engine.filters import NOT_FILTERS
from twinstack.engine.inference import Plan, infer
from twinstack.engine.lifecycle import Lifecycle, inferred
from twinstack.engine.pack import Pack
from twinstack.engine.read_cache import ReadCache
from twinstack.engine.views import ItemViews
from twinstack.engine.routing import Router
from twinstack.engine.security import Authenticator, token_hash
from twinstack.engine.state import Collection
from twinstack.engine.synth import Synth
from twinstack.engine.tokens import is_token_operation
from twinstack.engine.tenants import login_key
from twinstack.errors import TwinError, ValidationFailed
from twinstack.spec.model import Operation, ServiceSpec
from twinstack.store import Credential, Store
from twinstack.time.clock import Clock
from twinstack.time.jobs import Scheduler


class ResponseMismatch(AssertionError):
    """Strict mode: the twin produced a body its own document rejects."""


class Twin:
    def __init__(
        self, pack: Pack, spec: ServiceSpec, store: Store, clock: Clock, scheduler: Scheduler, strict: bool,
        synth: Synth | None = None, settings: Any = None,
    ) -> None:
        self.pack = pack
        self.spec = spec
        self.slug = spec.slug
        self.store = store
        self.clock = clock
        self.scheduler = scheduler
        self.strict = strict
        self.settings = settings
        """The server's ``Settings`` (admin URLs of database servers, data dir...), for packs' drivers."""
        self.log = logging.getLogger(f"twinstack.{self.slug}")
        self.router = Router(spec.operations)
        self.synth = synth or Synth(spec.doc, spec.validators)
        self.envelope = Envelope(self.synth)
        self.plans: dict[str, Plan] = infer(spec.operations)
        self.operations = spec.by_id()
        self.auth = Authenticator(self)
        self.cookie_auth = any(s.type == "apiKey" and s.location == "cookie" for s in spec.schemes.values())
        self.scopes: dict[str, tuple[str, ...]] = {}
        self._id_param: dict[str, tuple[str, dict[str, Any]]] = {}
        self._creatable: set[str] = set()
        self._resource_schema: dict[str, dict[str, Any]] = {}
        self._writable: dict[str, set[str]] = {}
        self.lifecycles: dict[str, tuple[Lifecycle, str]] = {}
        """Generic lifecycles of created resources (collection -> lifecycle, initial state)."""
        self.indexes: dict[str, tuple[str, ...]] = {}
        """Indexed fields by collection: the pack's, and each list's query filters on the resource's fields."""
        self._write_only = "x-twinstack-response" in spec.doc
        """The document marks properties ``readOnly``/``writeOnly``: responses leave write-only ones out."""
        self._declared_names: dict[str, set[str] | None] = {}
        self.aliases: dict[str, tuple[str, str]] = {}
        self.item_paths: dict[str, tuple[str, str]] = {}
        """Collection -> the path template of its read and the template's id parameter (``Location``)."""
        """Reads through another path: operationId -> (the collection read, the field its id names)."""
        self.memo: dict[str, Any] = {}
        """Process-local caches a pack keeps beside its state (never state: they may be lost at any time)."""
        self.read_cache = ReadCache(store)
        """Answers of reads that may be given again until the state changes (``Reply.reuse``)."""
        self.views = ItemViews(self.synth, self._write_only)
        """List items made once per stored record text (``engine/views.py``)."""
        self._study()
        self._jwt_secret: str | None = None

    # -- start-up -----------------------------------------------------------
    def _study(self) -> None:
        for op in self.spec.operations:
            plan = self.plans[op.operation_id]
            self.scopes.setdefault(plan.collection, plan.scope_params)
            if plan.kind == "create":
                self._creatable.add(plan.collection)
            if plan.id_param:
                param = next((p for p in op.params if p.name == plan.id_param and p.location == "path"), None)
                if param is not None and plan.collection not in self._id_param:
                    self._id_param[plan.collection] = (param.name, self.synth.resolve(param.schema))
            if plan.kind in ("create", "replace", "update"):
                media = op.body.get("application/json") or next(iter(op.body.values()), None)
                if media is not None and media.schema is not None:
                    props, _ = self.synth.properties(media.schema)
                    self._writable.setdefault(plan.collection, set()).update(props)
        # The resource's own schema: preferably what its read returns, else create, else list.
        for wanted in ("read", "create", "list"):
            for op in self.spec.operations:
                plan = self.plans[op.operation_id]
                if plan.kind != wanted or plan.collection in self._resource_schema:
                    continue
                resp = next((op.responses[s] for s in ("200", "201", "202") if s in op.responses), None)
                media = resp.json_media() if resp else None
                if media is not None and media.schema is not None:
                    self._resource_schema[plan.collection] = self.resource_schema(media.schema)
        for collection in self._creatable:
            props, _ = self.synth.properties(self._resource_schema.get(collection, {}))
            found = inferred(self.synth.resolve(props["status"])) if "status" in props else None
            if found is not None:
                self.lifecycles[collection] = found
        for op in self.spec.operations:
            plan = self.plans[op.operation_id]
            if plan.kind == "read" and plan.id_param and op.operation_id not in self.aliases:
                self.item_paths.setdefault(plan.collection, (op.path, plan.id_param))
        self._study_aliases()
        self._study_indexes()
        # A collection with an item route holds resources (a list of API tokens), not a way to log in.
        readable = {p.collection for p in self.plans.values() if p.kind == "read"}
        for op in self.spec.operations:
            plan = self.plans[op.operation_id]
            if plan.kind in ("create", "action") and op.operation_id not in self.pack.handlers \
                    and plan.collection not in readable and is_token_operation(self, op):
                self.plans[op.operation_id] = Plan("token", plan.collection, plan.scope_params, None)
                self._creatable.discard(plan.collection)

    def _study_aliases(self) -> None:
        """Reads of a resource through another path (``/profiles/{username}`` of the users made by
        ``POST /users``): a read whose collection nobody creates, answering the resource schema of one
        that is created, by a path parameter naming a field of that resource."""
        sources = {c: self._resource_schema[c] for c in self._creatable
                   if c in self._resource_schema and not self.scopes.get(c)}
        for op in self.spec.operations:
            plan = self.plans[op.operation_id]
            if plan.kind != "read" or plan.collection in self._creatable or not plan.id_param \
                    or op.operation_id in self.pack.handlers:
                continue
            mine = self._resource_schema.get(plan.collection)
            for collection, schema in sources.items():
                props, _ = self.synth.properties(schema)
                field = plan.id_param if plan.id_param in props else None
                if field is None and plan.id_param == self._id_param.get(collection, ("",))[0]:
                    field = "_id"
                if field is not None and mine is not None and (mine is schema or mine == schema):
                    self.aliases[op.operation_id] = (collection, field)
                    break

    def _study_indexes(self) -> None:
        """Declare an index for every equality filter a generic list offers on its resource's own fields."""
        wanted: dict[str, dict[str, None]] = {c: dict.fromkeys(f) for c, f in self.pack.indexes.items()}
        for op in self.spec.operations:
            plan = self.plans[op.operation_id]
            if plan.kind != "list" or op.operation_id in self.pack.handlers:
                continue
            props, _ = self.synth.properties(self._resource_schema.get(plan.collection, {}))
            for param in op.params:
                if param.location == "query" and param.name in props and param.name not in NOT_FILTERS:
                    wanted.setdefault(plan.collection, {})[param.name] = None
        for collection, field in self.aliases.values():
            if field != "_id":
                wanted.setdefault(collection, {})[field] = None
        self.indexes = {c: tuple(f) for c, f in wanted.items() if f}

    def resource_schema(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        """The schema of the resource inside a response, looking through envelopes and lists."""
        s = self.synth.resolve(schema)
        if depth > 3:
            return s
        if self.synth.kind(s) == "array":
            return self.resource_schema(s.get("items") or {}, depth + 1)
        props, _ = self.synth.properties(s)
        kinds = {name: self.synth.kind(self.synth.resolve(sub)) for name, sub in props.items()}
        for name in _WRAPPERS:
            if kinds.get(name) in ("object", "array") and self.synth.properties(self._items_of(props[name]))[0]:
                return self.resource_schema(props[name], depth + 1)
        objects = [n for n, k in kinds.items() if k == "object" and self.synth.properties(props[n])[0]]
        if len(props) <= 3 and len(objects) == 1:
            return self.resource_schema(props[objects[0]], depth + 1)
        arrays = [n for n, k in kinds.items() if k == "array" and self.synth.properties(self._items_of(props[n]))[0]]
        paging = {"total", "count", "page", "page_size", "per_page", "limit", "offset", "has_more", "next_cursor", "total_count"}
        if len(arrays) == 1 and set(props) - set(arrays) <= paging:
            return self.resource_schema(props[arrays[0]], depth + 1)
        return s

    def _items_of(self, schema: Any) -> Any:
        s = self.synth.resolve(schema)
        return s.get("items") or {} if self.synth.kind(s) == "array" else s

    def jwt_secret(self, fresh: bool = False) -> str:
        """The service's signing key, shared by every worker through the store.

        Verification uses the cached key and re-reads it once on a mismatch (another
        worker may have reset or imported the state); signing always reads it fresh.
        """
        if self._jwt_secret is None or fresh:
            self._jwt_secret = self.store.meta_setdefault(f"jwt-secret:{self.slug}", secrets.token_hex(32))
        return self._jwt_secret

    def issue_jwt(self, tenant: str, subject: str, ttl: float = 3600, **claims: Any) -> str:
        """An HS256 token this service accepts as a bearer credential until ``ttl`` twin-seconds pass."""
        now = self.clock.now()
        payload = {"sub": subject, "tenant": tenant, "svc": self.slug, "iat": int(now), "exp": int(now + ttl),
                   "jti": uuid.uuid4().hex, **claims}
        return str(jwt.encode(payload, self.jwt_secret(fresh=True), algorithm="HS256"))

    def revoke_jwt(self, token: str) -> None:
        try:
            claims = jwt.decode(token, self.jwt_secret(), algorithms=["HS256"], options={"verify_exp": False})
        except jwt.PyJWTError:
            return
        if claims.get("jti"):
            self.revoke_jti(str(claims["jti"]))

    def revoke_token(self, token: str) -> bool:
        """Revoke this service's stored credential for ``token``; False when there is none."""
        credential = self.store.find_credential(token_hash(token))
        if credential is None or credential.service != self.slug:
            return False
        if credential.revoked_at is None:
            credential.revoked_at = self.clock.now()
            self.store.update_credential(credential)
        return True

    def revoke_jti(self, jti: str) -> None:
        """Refuse, from now on, the token with this ``jti`` (tokens are not stored, their ids are)."""
        self.store.kv_put(f"revoked-jwt:{self.slug}", jti, True)

    def check_login(self, email: str, password: str) -> Credential | None:
        """The login credential an ``Issuer.login`` stored for this e-mail and password, if any."""
        cred = self.store.find_credential(token_hash(login_key(email, password)))
        if cred is None or cred.service != self.slug or cred.kind != "login" or cred.revoked_at is not None:
            return None
        return cred

    # -- resources ------------------------------------------------------------
    def collection(self, tenant: str, name: str) -> Collection:
        """``tenant``'s collection ``name`` of this service (``SHARED_TENANT`` for cloud-wide state)."""
        return Collection(self.store, self.slug, tenant, name, self.clock.now)

    def has_create(self, collection: str) -> bool:
        return collection in self._creatable

    def noun(self, collection: str) -> str:
        last = next((s for s in reversed(collection.split("/")) if s and s != "{}"), "resource")
        word = last.replace("-", " ").replace("_", " ")
        if word.endswith("ies"):
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        return word[:1].upper() + word[1:]

    def new_id(self, collection: str, body: dict[str, Any], ctx: RequestContext) -> str:
        name, schema = self._id_param.get(collection, ("id", {}))
        kind = self.synth.kind(schema) if schema else "string"
        chosen = self._client_id(collection, name, body, kind)
        if chosen is not None:
            return chosen
        if kind == "integer":
            return str(self.next_number(f"{collection}"))
        fmt = schema.get("format") if schema else None
        if fmt == "uuid" or name.endswith(("uuid", "_id", "Id")) or name == "id":
            return str(uuid.uuid4())
        for field in (name, name.removesuffix("_name"), "name", "slug", "domain", "hostname", "key", "code", "email"):
            value = body.get(field)
            if isinstance(value, str) and value and "/" not in value:
                return value
        pattern = schema.get("pattern") if schema else None
        if isinstance(pattern, str):
            try:
                return str(rstr.Rstr(random.Random()).xeger(pattern))
            except Exception:  # an odd regex still gets an id
                pass
        return str(uuid.uuid4())

    def links_self(self, collection: str) -> bool:
        """Whether the resource declares ``links.self`` (its own URL, HAL and JSON:API style)."""
        props, _ = self.synth.properties(self._resource_schema.get(collection, {}))
        links = props.get("links")
        return links is not None and "self" in self.synth.properties(self.synth.resolve(links))[0]

    def _client_id(self, collection: str, name: str, body: dict[str, Any], kind: str | None) -> str | None:
        """The id the client chose, where the resource's id property is its to choose (not ``readOnly``)."""
        props, _ = self.synth.properties(self._resource_schema.get(collection, {}))
        for field in dict.fromkeys((name, "id")):
            sub = props.get(field)
            value = body.get(field)
            if sub is None or value is None or self.synth.resolve(sub).get("readOnly") is True:
                continue
            if kind == "integer" and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return str(value)
            if kind != "integer" and isinstance(value, str) and value and "/" not in value:
                return value
        return None

    def next_number(self, name: str) -> int:
        return self.store.kv_increment(f"seq:{self.slug}", name)

    def new_resource(self, collection: str, rid: str, body: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
        """A stored resource: the client's fields, the id, timestamps, and server-owned fields made once."""
        schema = self._resource_schema.get(collection, {})
        props, _ = self.synth.properties(schema) if schema else ({}, [])
        writable = self._writable.get(collection, set())
        id_name = self._id_param.get(collection, ("id", {}))[0]
        resource: dict[str, Any] = {k: v for k, v in body.items() if not k.startswith("_")}
        resource["_id"] = rid
        resource["_created"] = ctx.now
        placed = False
        number = int(rid) if rid.isdigit() else None
        for field in dict.fromkeys((id_name, "id", "uuid", _camel(id_name))):
            if field in props:
                wants_int = self.synth.kind(props[field]) == "integer"
                resource[field] = number if (number is not None and wants_int) else rid
                placed = True
        if not placed:
            resource["id"] = rid
        stamp = ctx.clock.iso()
        for field in ("created_at", "createdAt", "updated_at", "updatedAt"):
            if field in props:
                resource[field] = stamp
        now = ctx.now
        lifecycle = self.lifecycles.get(collection)
        if lifecycle is not None and not (lifecycle[0].field in body and lifecycle[0].field in writable):
            # A status the client may set and did set is its own; only one it leaves to the server moves on.
            lifecycle[0].begin(resource, lifecycle[1], now)
        for field, sub in props.items():
            if field in resource or field in writable:
                continue
            # Server-owned fields are generated once and stored, so every read agrees.
            resource[field] = self.synth.generate(sub, f"{self.slug}:{rid}.{field}", field, 1, now)
        return resource

    def settle(self, collection: str, resource: dict[str, Any]) -> dict[str, Any]:
        """The resource with its lifecycle state as of now (derived, not stored)."""
        lifecycle = self.lifecycles.get(collection)
        if lifecycle is not None:
            lifecycle[0].settle(resource, self.clock.now(), self.clock.factor)
        return resource

    def at_rest(self, collection: str, resources: list[dict[str, Any]]) -> bool:
        """Whether none of ``resources`` has a lifecycle step still ahead (so time alone changes none)."""
        lifecycle = self.lifecycles.get(collection)
        if lifecycle is None:
            return True
        factor = self.clock.factor
        return all(lifecycle[0].due(r, factor) is None for r in resources)

    def touch(self, resource: dict[str, Any], ctx: RequestContext) -> None:
        stamp = ctx.clock.iso()
        for field in ("updated_at", "updatedAt"):
            if field in resource:
                resource[field] = stamp

    def server_fields(self, resource: dict[str, Any]) -> set[str]:
        return {k for k in resource if k in ("id", "uuid", "created_at", "createdAt") or k.startswith("_")}

    # -- responses ------------------------------------------------------------
    def declared_names(self, op: Operation) -> set[str] | None:
        """The property names the success response of ``op`` declares, and those of its object-valued
        properties (a resource wrapped in ``data``); None where it declares none (a free-form reply)."""
        try:
            return self._declared_names[op.operation_id]
        except KeyError:
            pass
        resp = op.response_for(self.success_status(op))
        media = resp.json_media() if resp is not None else None
        props, _ = self.synth.properties(self.synth.resolve(media.schema)) if media and media.schema else ({}, [])
        names: set[str] | None = None
        if props:
            names = set(props)
            for sub in props.values():
                inner, _ = self.synth.properties(self.synth.resolve(sub))
                names.update(inner)
        self._declared_names[op.operation_id] = names
        return names

    def success_status(self, op: Operation, prefer: tuple[int, ...] = (200, 201, 202, 204)) -> int:
        declared = op.success_statuses
        for status in prefer:
            if status in declared:
                return status
        return declared[0] if declared else 200

    def render(self, ctx: RequestContext, reply: Reply) -> tuple[int, dict[str, str], Body, str | None]:
        op = ctx.operation
        # Reusable only as the handler's own value, sent as it was (see ``Reply.reuse``).
        reusable, reply.reuse = reply.reuse, False
        status = reply.status or self.success_status(op)
        if not op.declared(status) and 200 <= status < 300:
            status = self.success_status(op)
        headers = dict(reply.headers)
        if reply.stream is not None:
            headers.setdefault("Cache-Control", "no-cache")
            return status, headers, reply.stream, reply.content_type or "text/event-stream"
        if reply.raw:
            data = reply.body if isinstance(reply.body, bytes) else str(reply.body or "").encode()
            reply.reuse = reusable
            return status, headers, data, reply.content_type or "application/octet-stream"
        resp = op.response_for(status)
        if status == 204 or (resp is not None and not resp.media):
            if status == 204 or reply.body is None:
                return status, headers, b"", None
            undeclared, its_bytes = _public_dumped(reply.body)
            return status, headers, its_bytes if its_bytes is not None else _dumps(undeclared), "application/json"
        media = resp.json_media() if resp is not None else None
        if resp is not None and media is None:
            ct, other = next(iter(resp.media.items()))
            body = reply.body
            if isinstance(body, (bytes, str)):
                return status, headers, body if isinstance(body, bytes) else body.encode(), other.content_type
            text = other.example if isinstance(other.example, str) else ""
            return status, headers, text.encode(), other.content_type
        schema = media.schema if media else None
        seed = f"{self.slug}:{op.operation_id}"
        body = reply.body
        now = ctx.now
        self.synth.checked = None
        dumped: bytes | None = None
        items = [_public_dumped(i)[0] for i in body["_items"]] if isinstance(body, dict) and "_items" in body else None
        if schema is None and items is not None:
            # No schema to place the page in: the example shows where its items and totals go.
            out = self.envelope.many_like(media.example if media else None, items, body["_page"], body.get("_name", ""))
        elif schema is None:
            out = self._public(body)
        elif items is not None:
            out = self.envelope.many(schema, items, seed, now, body["_page"], body.get("_name", ""))
        elif body is None:
            example = media.example if media is not None else None
            if example is not None and self.synth.valid(schema, example):
                out = example
            else:
                out = self.synth.generate(schema, seed, now=now)
        else:
            if isinstance(body, dict) and "_id" in body:
                seed = f"{self.slug}:{body['_id']}"
            public, dumped = _public_dumped(body)
            out = self.envelope.single(schema, public, seed, now)
            if out is not public and not (type(out) is dict and out == public):
                # Placed in an envelope: other bytes. (An object placed as itself comes back as an equal copy.)
                dumped = None
        if self._write_only and out is not None:
            out = self.synth.without_write_only(schema, out)
        # Shaping checks the placed reply against this very schema first: what it found valid as it
        # was needs no second look, unless a request id was written into it since.
        checked = out is not None and out is self.synth.checked
        self.synth.checked = None
        field = self.pack.request_id_field
        if field and isinstance(out, dict) and schema is not None and field in self.synth.properties(schema)[0]:
            out[field] = ctx.request_id
            checked = False
        if media is not None and media.key and not checked:
            validator = self.spec.validator(media.key)
            if validator is not None and not validator.is_valid(out):
                problem = next(iter(validator.iter_errors(out))).message
                if self.strict:
                    raise ResponseMismatch(f"{self.slug} {op.operation_id} {status}: {problem}")
                self.log.warning("%s %s: response repaired (%s)", op.operation_id, status, problem[:200])
                out = self.synth.generate(schema, seed, now=now)
                checked = False
        reply.reuse = reusable and checked
        if dumped is not None and checked and not self._write_only:
            # The handler's own value went out as it was, checked and unchanged: its bytes are the answer.
            return status, headers, dumped, media.content_type if media else "application/json"
        return status, headers, _dumps(out), media.content_type if media else "application/json"

    def _public(self, value: Any) -> Any:
        return _public(value)

    def render_error(self, op: Operation | None, error: TwinError, request_id: str) -> tuple[int, dict[str, str], bytes, str]:
        status = error.status
        error.operation = op
        if isinstance(error, ValidationFailed) and op is not None:
            chosen = self.pack.validation_status(op, error) if self.pack.validation_status else None
            declared = next((s for s in self.pack.validation_statuses if op.declared(s)), None)
            if chosen is None and declared is None and op.declared(404) and error.issues and all(
                i.location == "path" for i in error.issues
            ):
                # A malformed id names no resource; the operation has no bad-input status but has 404.
                chosen = 404
            status = chosen or declared or self.pack.fallback_validation_status
        elif op is not None and not op.declared(status):
            replacement = next((s for s in self.pack.status_fallbacks.get(status, ()) if op.declared(s)), None)
            if replacement is not None:
                # The renderer still sees what happened (``original_status``), and says it in the new status.
                error.original_status = status
                status = replacement
        schema = None
        ctype = "application/json"
        if op is not None:
            resp = op.response_for(status)
            media = resp.json_media() if resp is not None else None
            if resp is not None and media is None and resp.media:
                # The error is declared as text (text/html, text/plain): its example, else the message, as text.
                other = next(iter(resp.media.values()))
                text = other.example if isinstance(other.example, str) else error.message
                return status, dict(error.headers), text.encode(), other.content_type
            schema = media.schema if media else None
            if media is not None and media.content_type.endswith("+json"):
                # A declared JSON flavour (``application/problem+json``) is what the client expects back.
                ctype = media.content_type
        renderer = self.pack.errors
        if isinstance(renderer, Declared):
            body = renderer(error, status, request_id, schema, problem_media=ctype.endswith("problem+json"),
                            resolve=self.synth.resolve)
        else:
            body = renderer(error, status, request_id, schema)
        if schema is not None and not self.synth.valid(schema, body):
            body = self.synth.shape(schema, body, f"{self.slug}:error:{status}")
            field = self.pack.request_id_field
            if field and isinstance(body, dict) and field in self.synth.properties(schema)[0]:
                body[field] = request_id
        headers = dict(error.headers)
        return status, headers, _dumps(body), ctype


def _public_dumped(value: Any) -> tuple[Any, bytes | None]:
    """``_public(value)``, and the JSON of ``value`` when it had nothing private in it (else None).

    A private key shows in the JSON as ``"_``; where that sequence is absent (the common case) the value
    is public as it is, which one C-speed serialisation tells far sooner than walking every key in Python,
    and those bytes are the answer if nothing changes the value after. A string holding ``"_`` only sends
    the value the long way.
    """
    kind = type(value)
    if kind is not dict and kind is not list:
        return value, None
    if kind is dict:
        # A stored record keeps its private keys at the top (``_id``, ``_lc``): those go first.
        top = {k: v for k, v in value.items() if not (type(k) is str and k[:1] == "_")}
        if len(top) != len(value):
            value = top
    try:
        text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return _public(value), None
    if b'"_' not in text:
        return value, text
    return _strip(value), None


def _strip(value: Any) -> Any:
    """``value`` without private keys at any depth, copied in one pass: for a value known to hold some,
    where ``_public``'s look before copying would walk it twice."""
    kind = type(value)
    if kind is dict:
        return {k: (_strip(v) if type(v) in (dict, list) else v) for k, v in value.items()
                if not (type(k) is str and k[:1] == "_")}
    if kind is list:
        return [_strip(v) if type(v) in (dict, list) else v for v in value]
    return value


def _public(value: Any) -> Any:
    """``value`` without the twin's private ``_``-prefixed keys, at any depth (on the hot path).

    A value with nothing private in it is returned as it is, not copied: most replies a pack
    builds for clients are public already, and copying every item of a list costs more than
    looking at it.
    """
    kind = type(value)
    if kind is dict:
        for k, v in value.items():
            if (type(k) is str and k[:1] == "_") or (type(v) in (dict, list) and _public(v) is not v):
                return {
                    k: (_public(v) if type(v) in (dict, list) else v)
                    for k, v in value.items()
                    if not (type(k) is str and k[:1] == "_")
                }
        return value
    if kind is list:
        for v in value:
            if type(v) in (dict, list) and _public(v) is not v:
                return [_public(v) if type(v) in (dict, list) else v for v in value]
        return value
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # orjson refuses integers beyond 64 bits, which a client can send and see echoed back.
        return json.dumps(value, default=str, separators=(",", ":")).encode()
