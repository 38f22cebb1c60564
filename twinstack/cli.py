"""``twinstack serve`` (every option has an environment variable as its default), ``twinstack lint``, and the
control-plane commands over a running twin (``twinstack.remote``)."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from twinstack import lint, remote
from twinstack.config import Settings
from twinstack.errors import StartupError

QUIET_SPEC_LOG: dict[str, Any] = {"level": "ERROR"}
"""The spec logger while serving: its one warning per document defect becomes a count in the banner."""


def build_parser() -> argparse.ArgumentParser:
    env = Settings.from_env()
    parser = argparse.ArgumentParser(prog="twinstack", description="Working local twins of cloud and SaaS APIs.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve every twin on one port")
    serve.add_argument("--host", default=env.host, help="address to listen on [TWINSTACK_HOST]")
    serve.add_argument("--port", type=int, default=env.port, help="port to listen on [TWINSTACK_PORT]")
    serve.add_argument("--data-dir", type=Path, default=env.data_dir, help="embedded state and blobs [TWINSTACK_DATA_DIR]")
    serve.add_argument("--database-url", default=env.database_url, help="postgresql://... for shared state [TWINSTACK_DATABASE_URL]")
    serve.add_argument("--services", default=",".join(env.services) if env.services is not None else None,
                       help="comma list of built-in slugs to mount (default: all)")
    serve.add_argument("--spec", action="append", default=list(env.specs), metavar="PATH[:SLUG]",
                       help="mount another OpenAPI 3.0/3.1 document as a generic twin (repeatable)")
    serve.add_argument("--speed", choices=["instant", "fast", "realistic"], default=env.speed,
                       help="how long lifecycles take [TWINSTACK_SPEED]")
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.add_argument("--postgres-admin-url", default=env.postgres_admin_url,
                       help="server where database APIs create real databases [TWINSTACK_POSTGRES_ADMIN_URL]")
    serve.add_argument("--mysql-admin-url", default=env.mysql_admin_url,
                       help="MySQL/MariaDB server for database APIs [TWINSTACK_MYSQL_ADMIN_URL]")
    serve.add_argument("--no-embedded-databases", action="store_true", default=not env.embedded_databases,
                       help="never start private database servers under --data-dir [TWINSTACK_NO_EMBEDDED_DATABASES]")
    serve.add_argument("--dns-port", type=int, default=env.dns_port, help="DNS port, 0 disables [TWINSTACK_DNS_PORT]")
    serve.add_argument("--mqtt-url", default=env.mqtt_url, help="MQTT broker for IoT telemetry [TWINSTACK_MQTT_URL]")
    serve.add_argument("--strict", action="store_true", default=env.strict,
                       help="fail loudly when a response does not validate against its document [TWINSTACK_STRICT]")
    serve.add_argument("--control-token", default=env.control_token,
                       help="bearer token /_twinstack/ needs on a non-loopback --host; generated when not given "
                            "[TWINSTACK_CONTROL_TOKEN]")
    lint.add_parser(sub)
    remote.add_parsers(sub)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        host=args.host, port=args.port, data_dir=args.data_dir, database_url=args.database_url,
        services=[s for s in args.services.split(",") if s] if args.services is not None else None, specs=list(args.spec),
        speed=args.speed, workers=max(1, args.workers), postgres_admin_url=args.postgres_admin_url,
        mysql_admin_url=args.mysql_admin_url, embedded_databases=not args.no_embedded_databases, dns_port=args.dns_port,
        mqtt_url=args.mqtt_url, strict=args.strict, control_token=args.control_token,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "lint":
        return lint.run(args)
    if args.command in remote.COMMANDS:
        return remote.run(args)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger(lint.SPEC_LOGGER).setLevel(QUIET_SPEC_LOG["level"])
    settings = settings_from(args)
    if not settings.control_open and not settings.control_token:
        settings.control_token = secrets.token_urlsafe(24)
        print(f"control token (the control plane needs it on {settings.host}): {settings.control_token}", flush=True)
    try:
        banner(settings)
    except StartupError as exc:
        print(f"twinstack: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    os.environ.update(settings.to_env())
    uvicorn.run(
        "twinstack.app:create_app", factory=True, host=settings.host, port=settings.port,
        workers=settings.workers if settings.workers > 1 else None, log_level="warning", access_log=False,
        log_config=_log_config(),
    )
    return 0


def _log_config() -> dict[str, Any]:
    """Uvicorn's own logging config plus the quiet spec logger, applied again in every worker process."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("loggers", {})[lint.SPEC_LOGGER] = dict(QUIET_SPEC_LOG)
    return config


def defects_line(slug: str, count: int, lint_target: str) -> str:
    """One start-up line for a service whose document needed work-arounds (``twinstack lint`` lists them)."""
    return f"{slug}: {lint.count_phrase(count)}; `twinstack lint {lint_target}` lists them"


def banner(settings: Settings) -> None:
    """Build the state once (creating the default tenant) and print how to reach each twin."""
    from twinstack.drivers.databases.servers import describe
    from twinstack.engine.pack import discover_packs
    from twinstack.runtime import Runtime

    runtime = Runtime.build(settings)
    try:
        view = runtime.tenant_view("default") or {"credentials": {}}
        root = f"http://{settings.host}:{settings.port}"
        print(f"twinstack serving on {root} (state: {settings.database_url or settings.data_dir})", flush=True)
        for slug, twin in runtime.twins.items():
            creds = ", ".join(f"{k}={v}" for k, v in view["credentials"].get(slug, {}).items())
            print(f"  {slug:<12} {root}/{slug}{twin.spec.base_path}  {creds}", flush=True)
        print(f"  control      {root}/_twinstack/health", flush=True)
        for twin in runtime.twins.values():
            for mount in twin.pack.mounts:
                print(f"  {mount.name:<12} {root}{mount.prefix}", flush=True)
            for endpoint in twin.pack.endpoints:
                address = endpoint.describe(runtime.settings)
                if address is not None:
                    print(f"  {endpoint.name:<12} {address}", flush=True)
        for engine, where in describe(runtime.settings):
            print(f"  {engine:<12} {where}", flush=True)
        builtin = {p.slug for p in discover_packs()}
        for slug, twin in runtime.twins.items():
            if twin.spec.defects:
                target = slug if slug in builtin else str(twin.pack.seed)
                print(defects_line(slug, len(twin.spec.defects), target), flush=True)
    finally:
        runtime.store.close()
