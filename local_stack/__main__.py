"""`python -m local_stack`: run Viewcount on this machine (see ./run_local.sh)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
from pathlib import Path

from local_stack import clock
from local_stack.dashboard import DashboardBuildError, ensure_built, start_dashboard
from local_stack.faults import FaultSpecError
from local_stack.site import DEMO_BLOG, start_site
from local_stack.stack import LocalOptions, LocalSite, LocalStack
from local_stack.state import PID_FILE, live_stack_pid, remove_outputs
from viewcount.sites import DEFAULT_SITE_ID
from viewcount_infra.config import ConfigError

STOP_DEADLINE_SECONDS = 4.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="run_local.sh", description="Run Viewcount locally: no AWS account, no Docker."
    )
    parser.add_argument("--ws-port", type=int, default=8080, help="WebSocket API port (default 8080)")
    parser.add_argument("--http-port", type=int, default=8000, help="blog port (default 8000)")
    parser.add_argument(
        "--api-port",
        type=int,
        default=None,
        help="HTTP API port: POST /views and GET /counts, for pages whose WebSocket is blocked "
        "(default: --ws-port + 2; the management API has --ws-port + 1)",
    )
    parser.add_argument(
        "--dashboard-port",
        type=int,
        default=None,
        help="the dashboard's own server (default: --ws-port + 3)",
    )
    parser.add_argument("--data-dir", type=Path, default=Path(".viewcount-local"), help="where counts are kept")
    parser.add_argument("--reset", action="store_true", help="start with empty tables")
    parser.add_argument(
        "--origin", action="append", default=[], help="another allowed origin of the first site (repeatable)"
    )
    parser.add_argument(
        "--site",
        action="append",
        default=[],
        metavar="[ID=]PATH",
        help="serve this folder of static pages (a built Hexo, Hugo or Jekyll site; `demo`: the demo blog) as a "
        "site of its own, on its own port from --http-port up (repeatable; default: the demo blog)",
    )
    parser.add_argument(
        "--time-zone",
        action="append",
        default=[],
        metavar="[ID=]ZONE",
        help="a site's time zone (IANA name); without ID=, every site's (default: UTC)",
    )
    return parser.parse_args(argv)


def local_sites(args: argparse.Namespace) -> tuple[LocalSite, ...]:
    """The sites --site names, each with its port and time zone; ValueError says what is wrong."""
    zones = dict(zone.split("=", 1) if "=" in zone else ("", zone) for zone in args.time_zone)
    sites = []
    for position, spec in enumerate(args.site or ["demo"]):
        site_id, _, path = spec.rpartition("=")
        site_id = site_id or (DEFAULT_SITE_ID if position == 0 else f"site{position + 1}")
        folder = DEMO_BLOG if path == "demo" else Path(path).expanduser()
        if not folder.is_dir():
            raise ValueError(f"--site {spec}: {folder} is not a folder")
        sites.append(LocalSite(site_id, folder, args.http_port + position, zones.get(site_id, zones.get(""))))
    unknown = set(zones) - {"", *(site.id for site in sites)}
    if unknown:
        raise ValueError(f"--time-zone names no site: {', '.join(sorted(unknown))}")
    return tuple(sites)


async def main_async(args: argparse.Namespace) -> int:
    try:
        sites = local_sites(args)
        options = LocalOptions(
            ws_port=args.ws_port,
            http_port=args.http_port,
            api_port=args.api_port,
            dashboard_port=args.dashboard_port,
            data_dir=args.data_dir,
            reset=args.reset,
            extra_origins=tuple(args.origin),
            sites=sites,
        )
        clock_note = clock.describe()  # a clock file that holds no offset stops it here
        stack = LocalStack(options)
    except (ValueError, FaultSpecError, ConfigError) as error:
        print(f"viewcount-local: {error}", file=sys.stderr)
        return 2
    unbuilt = build_dashboard()
    ws_url, http_api_url, dashboard = (stack.outputs[name] for name in ("WebSocketUrl", "HttpApiUrl", "DashboardUrl"))
    servers = [start_site(site.folder, options.host, site.port, ws_url, http_api_url) for site in sites]
    servers.append(
        start_dashboard(options.host, options.dashboard_http_port, http_api_url, ws_url, unavailable=unbuilt)
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        stop.set()
        # A backlog must not keep it running: save what is counted and leave within 5 s.
        timer = threading.Timer(STOP_DEADLINE_SECONDS, force_exit, args=(stack,))
        timer.daemon = True
        timer.start()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)

    def ready() -> None:
        print(f"Viewcount local stack ({stack.restored} items restored from {options.data_dir}/)", flush=True)
        print(f"  WebSocket API: {ws_url}", flush=True)
        print(f"  HTTP API:      {http_api_url}", flush=True)
        for site in stack.config.sites:
            print(f"  Blog {site.id + ':':<9}{site.origins[0]} ({site.time_zone})", flush=True)
        if unbuilt is None:
            key = f"its key: ./admin.sh dashboard-url --data-dir {options.data_dir}"
            print(f"  Dashboard:     {dashboard} ({key})", flush=True)
        else:
            print(f"  Dashboard:     {dashboard} (not built: see above)", flush=True)
        if clock_note:
            print(f"  Clock:         {clock_note}", flush=True)
        if stack.faults.rates:
            print(f"  Faults:        {stack.faults.describe()} (seed {stack.faults.seed})", flush=True)
        print("Ctrl-C stops it.", flush=True)

    try:
        await stack.run(stop, ready=ready)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    print("viewcount-local: stopped; counts saved", flush=True)
    return 0


def build_dashboard() -> str | None:
    """Build the dashboard if its build is stale; why it could not be, or None. The stack runs
    either way: its dashboard then says it is not built."""
    try:
        if ensure_built():
            print("viewcount-local: built the dashboard (dist/dashboard/)", flush=True)
    except DashboardBuildError as error:
        print(f"viewcount-local: the dashboard is not built: {error}", file=sys.stderr, flush=True)
        return str(error).splitlines()[0]
    return None


def force_exit(stack: LocalStack) -> None:
    try:
        stack.save()
        stack.write_meter()
    finally:
        remove_outputs(stack.options.data_dir)
        remove_pid_file(stack.options.data_dir)
        print("viewcount-local: stopped before the queues were drained; counts saved", flush=True)
        os._exit(0)


def write_pid_file(data_dir: Path) -> None:
    """Claims the data directory, unless another live stack holds it: two stacks would
    overwrite each other's saves, and the second's exit would unguard the first."""
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        other = live_stack_pid(data_dir)
    except ValueError:
        other = None  # a file that names no pid guards nothing
    if other is not None and other != os.getpid():
        raise FileExistsError(f"a local stack (pid {other}) already runs on {data_dir}: stop it first")
    (data_dir / PID_FILE).write_text(f"{os.getpid()}\n")


def remove_pid_file(data_dir: Path) -> None:
    """Removes the pid file only if it is still this process's own."""
    path = data_dir / PID_FILE
    try:
        if path.read_text().strip() == str(os.getpid()):
            path.unlink()
    except FileNotFoundError:
        pass


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        # Written before the stack restores the saved tables, so no edit can slip in between.
        write_pid_file(args.data_dir)
        return asyncio.run(main_async(args))
    except OSError as error:
        print(f"viewcount-local: {error}", file=sys.stderr)
        return 1
    finally:
        remove_pid_file(args.data_dir)


if __name__ == "__main__":
    sys.exit(main())
