"""What a pack's modules declare, gathered into one table: handlers, indexes, jobs, controls, protocol endpoints.

A big pack is split by spec tag into many modules. Each may declare, at module
level, any of ``HANDLERS`` (operationId -> handler), ``INDEXES`` (collection ->
fields), ``JOBS`` (kind -> job), ``CONTROLS`` (name -> control), ``ENDPOINTS``
(protocol servers such as DNS or MQTT), ``MOUNTS`` (raw HTTP beside the API,
such as S3), ``ON_START`` (callables run once the state is open, before the
server serves: resume what waits on the clock), ``ON_RESET`` (callables run before a reset), ``DOCUMENT_PATCHES``
(additions to the served copy of the document) and ``BODY_ADAPTERS`` (an
official client's spelling of a request body in the document's terms). ``collect_parts``
scans a package's modules, so adding a service module touches no shared list.
A name claimed twice (an operation, a job kind, a control, an endpoint) fails
at import; index fields of one collection are united.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from twinstack.errors import StartupError

if TYPE_CHECKING:
    from twinstack.config import Settings
    from twinstack.engine.pack import Control, Handler, PackJob
    from twinstack.engine.twin import Twin
    from twinstack.spec.model import Operation

MountApp = Callable[["Twin", "dict[str, Any]", Any, Any, str], Awaitable[None]]
"""``(twin, ASGI scope, receive, send, path below the mount)``: answers one raw HTTP request."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A protocol server a pack opens beside HTTP (DNS, MQTT), started and stopped with the server process."""

    name: str
    """Its key under ``endpoints`` in ``/_twinstack/health`` (``"dns"``, ``"mqtt"``)."""
    describe: Callable[[Settings], str | None]
    """The address it will have under these settings, printed at start; None when the settings disable it."""
    start: Callable[[Twin], Awaitable[str | None]]
    """Opens it once the state is open; returns the address it answers on (None: disabled). Runs in every
    server process: an endpoint that must exist once (a port only one process may hold) decides that itself."""
    stop: Callable[[Twin], Awaitable[None]]
    """Closes it; called once per successful ``start``, before the state is closed."""


@dataclass(frozen=True, slots=True)
class Mount:
    """Raw HTTP served beside the API on the same port (S3): no document, no pipeline, the pack answers."""

    name: str
    """Its key under ``endpoints`` in ``/_twinstack/health`` (``"s3"``)."""
    prefix: str
    """Path prefix that reaches it (``"/wayscloud-s3"``); the mount sees the path below it."""
    app: MountApp
    hosts: tuple[str, ...] = ()
    """Host names that reach it with no prefix; ``<anything>.<host>`` too (S3 virtual-host style)."""


@dataclass(slots=True)
class Parts:
    """The merged declarations of a package's modules."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    jobs: dict[str, PackJob] = field(default_factory=dict)
    controls: dict[str, Control] = field(default_factory=dict)
    endpoints: tuple[Endpoint, ...] = ()
    mounts: tuple[Mount, ...] = ()
    on_start: tuple[Callable[[Twin], None], ...] = ()
    on_reset: tuple[Callable[[Twin], None], ...] = ()
    document_patches: tuple[Callable[[dict[str, Any]], None], ...] = ()
    body_adapters: tuple[Callable[[Operation, Any], Any], ...] = ()

    def add(self, module: Any) -> None:
        where = getattr(module, "__name__", "?")
        _merge(self.handlers, getattr(module, "HANDLERS", {}), "operation", where)
        _merge(self.jobs, getattr(module, "JOBS", {}), "job kind", where)
        _merge(self.controls, getattr(module, "CONTROLS", {}), "control", where)
        for collection, fields in getattr(module, "INDEXES", {}).items():
            known = self.indexes.get(collection, ())
            self.indexes[collection] = known + tuple(f for f in fields if f not in known)
        self.endpoints = _named(self.endpoints, getattr(module, "ENDPOINTS", ()), where)
        self.mounts = _named(self.mounts, getattr(module, "MOUNTS", ()), where)
        self.on_start += tuple(getattr(module, "ON_START", ()))
        self.on_reset += tuple(getattr(module, "ON_RESET", ()))
        self.document_patches += tuple(getattr(module, "DOCUMENT_PATCHES", ()))
        self.body_adapters += tuple(getattr(module, "BODY_ADAPTERS", ()))

    def start_all(self, twin: Twin) -> None:
        """Every module's ``ON_START``, in module order (for ``Pack.on_start``)."""
        for begin in self.on_start:
            begin(twin)

    def reset_all(self, twin: Twin) -> None:
        """Every module's ``ON_RESET``, in module order (for ``Pack.on_reset``)."""
        for release in self.on_reset:
            release(twin)

    def patch_document(self, doc: dict[str, Any]) -> None:
        """Every module's ``DOCUMENT_PATCHES``, in module order (for ``Pack.patch_document``)."""
        for patch in self.document_patches:
            patch(doc)

    def adapt_body(self, op: Operation, body: Any) -> Any:
        """A body through every module's ``BODY_ADAPTERS`` (for ``Pack.adapt_body``); each leaves what is not
        its operation's unchanged."""
        for adapter in self.body_adapters:
            body = adapter(op, body)
        return body


def collect_parts(*packages: str) -> Parts:
    """Merge the declarations of every module of each package in turn, modules sorted by name."""
    parts = Parts()
    for package in packages:
        root = importlib.import_module(package)
        for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
            if not info.name.startswith("_") and not info.ispkg:
                parts.add(importlib.import_module(f"{package}.{info.name}"))
    return parts


def _merge(into: dict[str, Any], table: dict[str, Any], what: str, where: str) -> None:
    twice = sorted(set(into) & set(table))
    if twice:
        raise StartupError(f"{what}(s) declared twice: {', '.join(twice)}", where)
    into.update(table)


def _named(have: tuple[Any, ...], more: Iterable[Any], where: str) -> tuple[Any, ...]:
    out = list(have)
    for item in more:
        if any(known.name == item.name for known in out):
            raise StartupError(f"endpoint {item.name!r} declared twice", where)
        out.append(item)
    return tuple(out)
