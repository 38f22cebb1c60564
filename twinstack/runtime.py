"""Everything long-lived of one server process, built in the app's lifespan."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twinstack.config import Settings
from twinstack.drivers.databases.servers import DatabaseServers
from twinstack.engine.pack import Pack, check_pack, discover_packs
from twinstack.engine.parts import Endpoint, Mount
from twinstack.engine.tenants import DEFAULT_TENANT, Issuer
from twinstack.engine.synth import Synth
from twinstack.engine.twin import Twin
from twinstack.errors import StartupError
from twinstack.spec.compiler import compile_spec, hosts_of
from twinstack.spec.model import ServiceSpec
from twinstack.spec.loader import load_document
from twinstack.store import Store, open_store
from twinstack.time.clock import Clock
from twinstack.time.jobs import Scheduler

_JOURNAL_PERIOD = 0.1
"""Seconds between journal flushes."""
_JOURNAL_SLICE = 200
"""Entries written per turn of the event loop (about a millisecond)."""

log = logging.getLogger("twinstack")


def load_packs(settings: Settings) -> list[Pack]:
    """Built-in packs selected by ``--services``, then one generic pack per ``--spec``."""
    packs = discover_packs()
    if settings.services is not None:
        unknown = set(settings.services) - {p.slug for p in packs}
        if unknown:
            raise StartupError(f"unknown service(s) {', '.join(sorted(unknown))}; built in: {', '.join(p.slug for p in packs)}")
        packs = [p for p in packs if p.slug in settings.services]
    for item in settings.specs:
        path, _, slug = item.rpartition(":") if ":" in item and not item.endswith((".json", ".yaml", ".yml", ".md")) else (item, "", "")
        file = Path(path)
        packs.append(Pack(slug=slug or _slug_from(file), seed=file))
    slugs = [p.slug for p in packs]
    if len(set(slugs)) != len(slugs):
        raise StartupError(f"two services share a slug: {slugs}")
    return packs


@functools.lru_cache(maxsize=32)
def _compiled(seed: Path, mtime: float, slug: str, base_path: str | None, patch: Any) -> tuple[ServiceSpec, Synth]:
    """A seed compiled once per process: the result is read-only, so app instances share it."""
    doc = load_document(seed)
    if patch is not None:
        patch(doc)
    spec = compile_spec(doc, slug, str(seed), base_path)
    return spec, Synth(spec.doc, spec.validators)


def _slug_from(path: Path) -> str:
    stem = path.name.split(".")[0].lower()
    return "".join(c if c.isalnum() or c == "-" else "-" for c in stem).strip("-") or "api"


@dataclass(slots=True)
class Runtime:
    settings: Settings
    store: Store
    clock: Clock
    scheduler: Scheduler
    twins: dict[str, Twin]
    hosts: dict[str, Twin]
    journal: list[dict[str, Any]] = field(default_factory=list)
    endpoints: dict[str, str] = field(default_factory=dict)
    """Protocol endpoints open in this process, by name (``dns``, ``mqtt``), for health."""
    mounts: list[tuple[Mount, Twin]] = field(default_factory=list)
    """Raw HTTP beside the APIs (S3), in pack order."""
    _opened: list[tuple[Endpoint, Twin]] = field(default_factory=list)
    _flusher: asyncio.Task[None] | None = None

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        if settings.database_servers is None:
            # Found and started only when a pack first needs a database: start-up stays as fast.
            settings = dataclasses.replace(settings, database_servers=DatabaseServers.for_settings(settings))
        store = open_store(settings.database_url, settings.data_dir)
        clock = Clock(store, settings.speed)
        scheduler = Scheduler(store, clock)
        twins: dict[str, Twin] = {}
        hosts: dict[str, Twin] = {}
        for pack in load_packs(settings):
            try:
                mtime = pack.seed.stat().st_mtime
            except OSError as exc:
                raise StartupError(f"cannot read document: {exc}", str(pack.seed)) from exc
            spec, synth = _compiled(pack.seed, mtime, pack.slug, pack.base_path, pack.patch_document)
            check_pack(pack, set(spec.by_id()))
            twin = Twin(pack, spec, store, clock, scheduler, settings.strict, synth, settings)
            twins[pack.slug] = twin
            for host in (*pack.hosts, *hosts_of(spec.doc)):
                hosts.setdefault(host.lower(), twin)
            store.declare_indexes(pack.slug, twin.indexes)
            for kind, run in pack.jobs.items():
                scheduler.register(kind, functools.partial(run, twin))
        runtime = cls(settings, store, clock, scheduler, twins, hosts)
        runtime.mounts = [(mount, twin) for twin in twins.values() for mount in twin.pack.mounts]
        for twin in twins.values():
            if twin.pack.on_start is not None:
                twin.pack.on_start(twin)
        runtime.ensure_default_tenant()
        return runtime

    # -- tenants ----------------------------------------------------------------
    def ensure_default_tenant(self) -> None:
        tenant = self.store.get_tenant(DEFAULT_TENANT)
        missing = [slug for slug in self.twins if tenant is None or slug not in tenant["data"].get("credentials", {})]
        if missing:
            self.create_tenant("default", DEFAULT_TENANT, only=missing, existing=tenant)

    def create_tenant(self, name: str | None, tenant_id: str | None = None, only: list[str] | None = None,
                      existing: dict[str, Any] | None = None) -> dict[str, Any]:
        tid = tenant_id or str(uuid.uuid4())
        deterministic = tid == DEFAULT_TENANT
        credentials: dict[str, Any] = dict((existing or {}).get("data", {}).get("credentials", {}))
        with self.store.transaction():
            for slug, twin in self.twins.items():
                if only is not None and slug not in only:
                    continue
                issuer = Issuer(twin, tid, deterministic)
                credentials[slug] = twin.pack.credentials(issuer)
                if twin.pack.on_tenant is not None:
                    twin.pack.on_tenant(issuer)
            self.store.put_tenant(tid, name or tid, {"credentials": credentials}, self.clock.now())
        return self.tenant_view(tid) or {}

    def tenant_view(self, tid: str) -> dict[str, Any] | None:
        tenant = self.store.get_tenant(tid)
        if tenant is None:
            return None
        return {"id": tenant["id"], "name": tenant["name"], "credentials": tenant["data"].get("credentials", {})}

    def release_outside_state(self) -> None:
        """Let packs release what the current state owns outside the twin, before it goes."""
        for twin in self.twins.values():
            if twin.pack.on_reset is not None:
                try:
                    twin.pack.on_reset(twin)
                except Exception:  # a server that went away must not keep the state from being reset
                    log.exception("%s: releasing outside resources failed", twin.slug)

    def reset(self) -> None:
        self.release_outside_state()
        self.store.reset()
        self.clock.reload()
        self.journal.clear()
        for twin in self.twins.values():
            twin._jwt_secret = None
        self.ensure_default_tenant()

    # -- background -------------------------------------------------------------
    async def start(self) -> None:
        if self.settings.database_servers is not None:
            await asyncio.to_thread(self.settings.database_servers.resume)
        loop = asyncio.get_running_loop()
        self.store.group_commits(loop)
        self.scheduler.start()
        self._flusher = loop.create_task(self._flush_loop())
        for twin in self.twins.values():
            for endpoint in twin.pack.endpoints:
                address = await endpoint.start(twin)
                self._opened.append((endpoint, twin))
                if address is not None:
                    self.endpoints[endpoint.name] = address

    async def stop(self) -> None:
        for endpoint, twin in reversed(self._opened):
            try:
                await endpoint.stop(twin)
            except Exception:  # one endpoint failing to close must not keep the state from being closed
                log.exception("%s: closing the %s endpoint failed", twin.slug, endpoint.name)
        self._opened.clear()
        self.endpoints.clear()
        await self.scheduler.stop()
        if self.settings.database_servers is not None:
            await asyncio.to_thread(self.settings.database_servers.stop)
        if self._flusher is not None:
            self._flusher.cancel()
            try:
                await self._flusher
            except (asyncio.CancelledError, Exception):
                pass
        self.flush_journal()
        self.store.close()

    def flush_journal(self, most: int | None = None) -> None:
        """Write the journaled requests (the oldest ``most`` of them, when given)."""
        if self.journal:
            entries = self.journal[:most]
            del self.journal[:len(entries)]
            try:
                self.store.add_journal(entries)
            except Exception:
                log.exception("request journal flush failed")

    async def _flush_loop(self) -> None:
        # The journal is written in batches, off the request's own round trip, and a slice at a
        # time: a busy twin journals thousands of requests a second, and writing them in one go
        # held the event loop (and every request waiting on it) for 10 to 20 ms.
        while True:
            await asyncio.sleep(_JOURNAL_PERIOD)
            for _ in range(-(-len(self.journal) // _JOURNAL_SLICE)):
                self.flush_journal(_JOURNAL_SLICE)
                await asyncio.sleep(0)
