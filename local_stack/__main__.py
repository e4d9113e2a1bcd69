"""`python -m local_stack`: run Viewcount on this machine (see ./run_local.sh)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
from pathlib import Path

from local_stack.faults import FaultSpecError
from local_stack.site import DEMO_BLOG, start_site
from local_stack.stack import LocalOptions, LocalStack
from local_stack.state import PID_FILE, live_stack_pid

STOP_DEADLINE_SECONDS = 4.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="run_local.sh", description="Run Viewcount locally: no AWS account, no Docker."
    )
    parser.add_argument("--ws-port", type=int, default=8080, help="WebSocket API port (default 8080)")
    parser.add_argument("--http-port", type=int, default=8000, help="blog port (default 8000)")
    parser.add_argument("--data-dir", type=Path, default=Path(".viewcount-local"), help="where counts are kept")
    parser.add_argument("--reset", action="store_true", help="start with empty tables")
    parser.add_argument("--origin", action="append", default=[], help="another allowed origin (repeatable)")
    parser.add_argument("--site", type=Path, default=None, help="serve this folder of static pages instead of the demo")
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> int:
    site = args.site or DEMO_BLOG
    if not site.is_dir():
        print(f"viewcount-local: --site {site} is not a folder", file=sys.stderr)
        return 2
    options = LocalOptions(
        ws_port=args.ws_port,
        http_port=args.http_port,
        data_dir=args.data_dir,
        reset=args.reset,
        extra_origins=tuple(args.origin),
    )
    try:
        stack = LocalStack(options)
    except FaultSpecError as error:
        print(f"viewcount-local: {error}", file=sys.stderr)
        return 2
    ws_url = f"ws://{options.host}:{options.ws_port}"
    server = start_site(site, options.host, options.http_port, ws_url)
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
        print(f"  Blog:          http://{options.host}:{options.http_port}", flush=True)
        if stack.faults.rates:
            print(f"  Faults:        {stack.faults.describe()} (seed {stack.faults.seed})", flush=True)
        print("Ctrl-C stops it.", flush=True)

    try:
        await stack.run(stop, ready=ready)
    finally:
        server.shutdown()
        server.server_close()
    print("viewcount-local: stopped; counts saved", flush=True)
    return 0


def force_exit(stack: LocalStack) -> None:
    try:
        stack.save()
        stack.write_meter()
    finally:
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
