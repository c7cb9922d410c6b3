"""`outbound-gateway`: serve the API, run a worker, operate recomputes."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from gateway.errors import CommandError
from gateway.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)

    try:
        settings = Settings()
    except ValidationError as error:
        print(_settings_problem(error), file=sys.stderr)
        return 2

    from gateway.logs import configure_logging

    configure_logging(settings)
    try:
        result: int = args.run(settings, args)
    except CommandError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outbound-gateway",
        description="Chooses the number a CRM texts or calls each contact from.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)

    worker = commands.add_parser("worker", help="run a Celery worker for recomputes")
    worker.add_argument("--concurrency", type=int, default=None)
    worker.add_argument("--pool", default="prefork", choices=["prefork", "solo"])
    worker.set_defaults(run=_worker)

    recompute = commands.add_parser("recompute", help="recompute a whole location")
    recompute.add_argument("--location", required=True, metavar="ID")
    recompute.add_argument(
        "--no-wait", action="store_true", help="print the job id and return at once"
    )
    recompute.set_defaults(run=_recompute)

    jobs = commands.add_parser("jobs", help="list a location's recent recompute jobs")
    jobs.add_argument("--location", required=True, metavar="ID")
    jobs.add_argument("--first", type=int, default=20)
    jobs.set_defaults(run=_jobs)

    preview = commands.add_parser(
        "preview", help="show what a change would do to selections, changing nothing"
    )
    preview.add_argument("--location", required=True, metavar="ID")
    change = preview.add_mutually_exclusive_group(required=True)
    change.add_argument("--default", metavar="NUMBER", help="a new default number")
    change.add_argument("--no-default", action="store_true", help="no default number")
    change.add_argument("--release", metavar="NUMBER", help="a number released")
    change.add_argument(
        "--capabilities",
        metavar="NUMBER=CHANNELS",
        help="a number's new channels, e.g. +12025550143=SMS,VOICE",
    )
    change.add_argument("--user", metavar="ID", help="a user whose inbound changes")
    preview.add_argument(
        "--inbound", metavar="NUMBER", help="with --user: the new inbound number"
    )
    preview.add_argument("--examples", type=int, default=10)
    preview.set_defaults(run=_preview)

    sweep = commands.add_parser(
        "sweep", help="hand pending recompute jobs to the broker"
    )
    sweep.set_defaults(run=_sweep)

    schema = commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema.set_defaults(run=_schema)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.app import StartupHook, create_app
    from gateway.demo import seed_demo
    from gateway.runtime import Runtime

    admin_token = None
    startup: list[StartupHook] = []
    if settings.is_embedded:
        if settings.gateway_admin_token is None:
            admin_token = "obg_admin_" + secrets.token_urlsafe(24)

        async def announce_demo(runtime: Runtime) -> None:
            demo = await seed_demo(runtime)
            print("Embedded demo data: kept in memory, gone when the gateway stops.")
            print(f"  Demo location {demo.location_id}, API key: {demo.api_key}")
            if admin_token is not None:
                print(f"  Admin token for this run: {admin_token}")
            sys.stdout.flush()

        startup.append(announce_demo)

    app = create_app(settings, admin_token=admin_token, on_startup=startup)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None)
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from tasks import worker_metrics

    if settings.celery_broker_url is None or settings.mongodb_uri is None:
        print("A worker needs CELERY_BROKER_URL and MONGODB_URI.", file=sys.stderr)
        return 2
    if settings.worker_metrics_port is not None:
        # Before the tasks are imported: they define the metrics.
        worker_metrics.prepare()
        try:
            worker_metrics.serve(settings.worker_metrics_port)
        except OSError as error:
            port = settings.worker_metrics_port
            print(
                f"WORKER_METRICS_PORT: cannot serve on {port}: {error}.",
                file=sys.stderr,
            )
            return 2

    from tasks import worker_runtime
    from tasks.app import create_celery_app

    worker_runtime.configure(settings)
    app = create_celery_app(settings)
    # --quiet leaves out Celery's banner, which would be the only lines not
    # in the configured format; "ready." and everything after are logged.
    argv = [
        "--quiet",
        "worker",
        f"--pool={args.pool}",
        f"--loglevel={settings.log_level}",
    ]
    if args.concurrency:
        argv.append(f"--concurrency={args.concurrency}")
    app.worker_main(argv)
    return 0


def _recompute(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.operator import recompute_location

    return asyncio.run(
        recompute_location(settings, args.location, wait=not args.no_wait)
    )


def _jobs(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.operator import list_jobs

    return asyncio.run(list_jobs(settings, args.location, args.first))


def _preview(settings: Settings, args: argparse.Namespace) -> int:
    from gateway import preview
    from gateway.operator import show_preview
    from gateway.records import Channel

    change: preview.SelectionChange
    if args.default or args.no_default:
        change = preview.DefaultNumberChange(args.default)
    elif args.release:
        change = preview.NumberRelease(args.release)
    elif args.capabilities:
        number, _, channels = args.capabilities.partition("=")
        try:
            capabilities = frozenset(
                Channel(c.strip().upper()) for c in channels.split(",")
            )
        except ValueError:
            print(
                "Channels are SMS, MMS and VOICE, separated by commas.", file=sys.stderr
            )
            return 2
        change = preview.CapabilitiesChange(number, capabilities)
    else:
        # --user without --inbound previews taking the inbound number away.
        change = preview.UserInboundChange(args.user, args.inbound)

    return asyncio.run(show_preview(settings, args.location, change, args.examples))


def _sweep(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.operator import sweep

    return asyncio.run(sweep(settings))


def _schema(settings: Settings, args: argparse.Namespace) -> int:
    from resolvers.schema import build_schema

    print(build_schema().as_str())
    return 0


def _settings_problem(error: ValidationError) -> str:
    lines = ["The settings are not valid:"]
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"]).upper() or "settings"
        lines.append(f"  {name}: {problem['msg']}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
