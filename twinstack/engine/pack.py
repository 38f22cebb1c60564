"""What a service pack declares, and how packs are found.

A pack is a folder under ``twinstack/packs/`` whose ``pack.py`` defines
``PACK``. Packs are found by scanning that package (no central list); a
``--spec`` document becomes a pack with nothing but its seed, which is already
a working twin. Handlers replace single operations, keyed by operationId.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import secrets
import string
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twinstack.engine.error_styles.declared import Declared
from twinstack.errors import StartupError

if TYPE_CHECKING:
    from starlette.requests import Request

    from twinstack.engine.context import RequestContext
    from twinstack.engine.parts import Endpoint, Mount
    from twinstack.engine.security import Principal, RequestView
    from twinstack.errors import TwinError, ValidationFailed
    from twinstack.spec.model import Operation
    from twinstack.engine.tenants import Issuer
    from twinstack.engine.twin import Twin
    from twinstack.spec.model import SecurityScheme
    from twinstack.store import Job

Handler = Callable[["RequestContext"], Awaitable[Any]]
"""An operation override: receives the request context, returns a body or a ``Reply``."""

ErrorRenderer = Callable[["TwinError", int, str, "dict[str, Any] | None"], Any]
"""``(error, status, request_id, declared schema) -> body`` in the service's own shape."""

Control = Callable[["Twin", "dict[str, Any]", "Request"], Awaitable[Any]]
"""``(twin, JSON body, starlette request) -> JSON-able`` behind ``/_twinstack/<slug>/<name>``."""

CredentialPlan = Callable[["Issuer"], dict[str, Any]]
"""Issues a tenant's credentials for this service; returns what the tenant is shown."""

Extractor = Callable[["RequestView", "SecurityScheme"], "str | Sequence[str] | None"]
"""``(request view, scheme) -> token``: where a service reads credentials from; several tokens (from
several headers) are tried in order, the first known one that satisfies the scheme counts."""

PackJob = Callable[["Twin", "Job"], "Awaitable[None] | None"]
"""``(twin, job)``: runs a durable job of one kind, bound to this service's twin at start."""

ALNUM = string.ascii_letters + string.digits


def request_ids(prefix: str) -> Callable[[], str]:
    """Unique request ids (``req_`` + 16 hex digits): a random part per process, then a counter.

    Ids need to be unique, not secret; a counter spares a system call per request.
    """
    counter = itertools.count(1)
    process = secrets.token_hex(3)
    return lambda: f"{prefix}{process}{next(counter) & 0xFFFFFFFFFF:010x}"


default_errors: ErrorRenderer = Declared()
"""The shape each error response declares (problem details, the document's own object), else
``{"error", "message", "field"?}``; a pack chooses a style of ``twinstack.engine.error_styles``."""


def generic_credentials(issuer: Issuer) -> dict[str, Any]:
    """Credentials for a document with no pack: one per kind of scheme it declares."""
    shown: dict[str, Any] = {}
    kinds = {s.type if s.type == "apiKey" else s.scheme for s in issuer.spec.schemes.values()}
    if "apiKey" in kinds:
        shown["api_key"] = issuer.token("key_", 32)
        issuer.credential(shown["api_key"], "api_key")
    if kinds & {"bearer", "oauth2", "openIdConnect"} or not kinds:
        shown["token"] = issuer.token("tok_", 32)
        issuer.credential(shown["token"], "token")
    if "basic" in kinds:
        shown["username"] = f"user-{issuer.tenant_short}"
        shown["password"] = issuer.token("", 20)
        issuer.credential(f"{shown['username']}:{shown['password']}", "basic")
    return shown


@dataclass(slots=True)
class Pack:
    slug: str
    """The service's only name: folder, URL prefix, config key, logger name."""
    seed: Path
    hosts: tuple[str, ...] = ()
    """Production host names that reach this service with no slug prefix."""
    base_path: str | None = None
    """Override of the base path read from the document's first server."""
    errors: ErrorRenderer = default_errors
    validation_statuses: tuple[int, ...] = (422, 400)
    """Preferred order of statuses for bad input, among those an operation declares."""
    fallback_validation_status: int = 400
    """Status for bad input where the operation declares none of the above."""
    credentials: CredentialPlan = generic_credentials
    extract: Extractor | None = None
    handlers: dict[str, Handler] = field(default_factory=dict)
    """Overrides by operationId; a key that is no operationId of the document fails the start."""
    jobs: dict[str, PackJob] = field(default_factory=dict)
    """Durable job kinds this pack schedules, each bound to the twin at start."""
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Fields of each collection that look-ups filter on (``{"tasks": ("_subject", "status")}``), beside the
    ones the engine declares for the document's list filters; the store refuses any other."""
    status_fallbacks: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """Where an operation does not declare an error's status, the declared ones to use instead, in order
    (``{404: (409,)}``: "not in a state that allows it" where "not found" is undeclared)."""
    on_start: Callable[[Twin], None] | None = None
    """``(twin)`` once the server's state is open, before it serves: wire drivers, register jobs."""
    on_reset: Callable[[Twin], None] | None = None
    """``(twin)`` just before ``/_twinstack/reset`` wipes the state: release what it owns outside the twin
    (real databases on a server), which nobody could delete afterwards. A state import keeps them, since
    the imported state may refer to them."""
    on_export: Callable[[Twin], Awaitable[None] | None] | None = None
    """``(twin)`` just before ``/_twinstack/state/export`` reads the state: write into the state what it must
    carry from outside the twin (files kept on disk), so that the one document holds everything."""
    on_import: Callable[[Twin], Awaitable[None] | None] | None = None
    """``(twin)`` just after ``/_twinstack/state/import`` replaced the state: bring what the imported state
    refers to outside the twin (real databases on a server) in line with it, or report what is missing."""
    on_tenant: Callable[[Issuer], None] | None = None
    """Seeds a new tenant's starting state (default projects, users...)."""
    controls: dict[str, Control] = field(default_factory=dict)
    """Extra ``/_twinstack/<slug>/<name>`` controls for what only the outside world causes."""
    endpoints: tuple[Endpoint, ...] = ()
    """Protocol servers opened beside HTTP (DNS, MQTT), listed in health and printed at start."""
    mounts: tuple[Mount, ...] = ()
    """Raw HTTP answered beside the API on the same port, by path prefix or host (S3)."""
    request_id: Callable[[], str] = field(default_factory=lambda: request_ids("req_"))
    """Makes the id sent as ``X-Request-Id`` (and in bodies, see ``request_id_field``)."""
    request_id_field: str | None = None
    """A top-level response property that always carries the request id, where declared."""
    scopes: dict[str, list[str]] = field(default_factory=dict)
    """Scopes an operation needs beyond its ``security`` (APIs that name them only in prose)."""
    validation_status: Callable[[Operation, ValidationFailed], int | None] | None = None
    """``(operation, ValidationFailed) -> status`` where one operation uses several; None: the default rule."""
    revoked_status: int = 401
    """Status for a known credential that is revoked or expired (some APIs say 403)."""
    adapt_body: Callable[[Operation, Any], Any] | None = None
    """``(operation, decoded body) -> body`` before validation: an official client's own spelling of a
    request (other field names, a single value where the document wants a list) in the document's terms.
    The document's own spelling must pass through unchanged."""
    patch_document: Callable[[dict[str, Any]], None] | None = None
    """Works around defects of the seed at start, on a copy (the seed file stays as published)."""
    authorize: Callable[[Twin, Principal | None, Operation, dict[str, str]], None] | None = None
    """``(twin, principal, operation, raw path params)`` after authentication, before validation:
    raise 401/403 for rules the document cannot express (per-service permissions, project-bound
    keys, disabled users); may record the credential's use."""


def merge_handlers(*tables: dict[str, Handler]) -> dict[str, Handler]:
    """One handler table from a pack's modules; an operationId claimed twice fails at import."""
    out: dict[str, Handler] = {}
    for table in tables:
        twice = sorted(set(out) & set(table))
        if twice:
            raise StartupError(f"operation(s) handled twice: {', '.join(twice)}")
        out.update(table)
    return out


def check_pack(pack: Pack, operation_ids: set[str]) -> None:
    """Fail the start when a handler names no operation of the document (a misspelt or stale key)."""
    unknown = sorted(set(pack.handlers) - operation_ids)
    if unknown:
        raise StartupError(f"handlers for operationIds the document does not have: {', '.join(unknown)}",
                           str(pack.seed))


def discover_packs() -> list[Pack]:
    import twinstack.packs as root

    found: list[Pack] = []
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if not info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"twinstack.packs.{info.name}.pack")
        pack = getattr(module, "PACK", None)
        if not isinstance(pack, Pack):
            raise StartupError("pack.py must define PACK = Pack(...)", module.__file__ or info.name)
        found.append(pack)
    return found


def random_token(length: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))
