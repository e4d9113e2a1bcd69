"""Run the local stack as a child process on free ports: for the end-to-end tests and the benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# What a blog's reader sends; a WebSocket library's own User-Agent is judged a bot's.
BROWSER_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:150.0) Gecko/20100101 Firefox/150.0"


def free_port(offset: int = 0) -> int:
    """A free port; with `offset`, the ports up to that far above it are free too (the
    management API, or the next sites' blogs)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            for above in range(1, offset + 1):
                with socket.socket() as taken:
                    taken.bind(("127.0.0.1", port + above))
            return port
        except OSError:
            continue


class LocalStackProcess:
    """`python -m local_stack` on free ports; `start()` again after `stop()` reuses ports and data.
    `root` is the checkout it runs (another commit's, to compare with).
    """

    def __init__(self, data_dir: Path, root: Path = ROOT, sites: tuple[str, ...] = ()) -> None:
        self.root = root
        # The management API listens on ws_port + 1, the HTTP API on ws_port + 2 and the
        # dashboard on ws_port + 3.
        self.ws_port = free_port(offset=3)
        # Each site (by id; none: the demo blog alone) on a port of its own, from http_port up.
        self.sites = sites
        self.http_port = free_port(offset=max(0, len(sites) - 1))
        self.data_dir = data_dir
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}"

    @property
    def http_api_url(self) -> str:
        """The HTTP API (POST /views, GET /counts): the stack's default, ws_port + 2."""
        return f"http://127.0.0.1:{self.ws_port + 2}"

    @property
    def dashboard_origin(self) -> str:
        """The dashboard's own server: the stack's default, ws_port + 3."""
        return f"http://127.0.0.1:{self.ws_port + 3}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def origin_of(self, site: str) -> str:
        return f"http://127.0.0.1:{self.http_port + self.sites.index(site)}"

    def connect(self, user_agent: str = BROWSER_USER_AGENT, *, origin: str | None = None, **options: Any) -> Any:
        """A WebSocket connection to the stack as a reader of the blog (or of the site at
        `origin`) opens it (`async with`)."""
        from websockets.asyncio.client import connect

        return connect(self.ws_url, origin=origin or self.origin, user_agent_header=user_agent, **options)

    def start(self, *extra: str, timeout: float = 60, env: dict[str, str] | None = None) -> None:
        root = self.root
        env = {**os.environ, **(env or {}), "PYTHONPATH": f"{root / 'lambdas'}:{root / 'infra'}:{root}"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local_stack", "--ws-port", str(self.ws_port), "--http-port", str(self.http_port),
             "--data-dir", str(self.data_dir), *(f"--site={site}=demo" for site in self.sites), *extra],
            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            self.output.append(line)
            if "Ctrl-C stops it" in line:
                # Keep reading: a full pipe would block the stack's prints.
                threading.Thread(target=self._collect_output, args=(self.process,), daemon=True).start()
                return
            if not line and self.process.poll() is not None:
                break
        raise RuntimeError("local stack did not start:\n" + "".join(self.output))

    def _collect_output(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.output.append(line)

    def stop(self) -> float:
        """SIGTERM, as a service manager would; returns how long it took to exit."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=15)
        return time.monotonic() - started

    def __enter__(self) -> LocalStackProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.stop()
