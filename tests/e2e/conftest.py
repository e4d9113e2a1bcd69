"""Run `./run_local.sh`'s stack in a subprocess on free ports, and talk to it like a blog."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT


def free_port(pairs: int = 1) -> int:
    """A port whose next one is free too (the management API uses ws_port + 1)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + pairs))
            return port
        except OSError:
            continue


class LocalStackProcess:
    def __init__(self, data_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.ws_port = free_port()
        self.http_port = free_port()
        self.data_dir = data_dir
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, *extra: str) -> None:
        env = {
            **os.environ,
            **self.extra_env,
            "PYTHONPATH": f"{ROOT / 'lambdas'}:{ROOT / 'infra'}:{ROOT}",
            "LOCAL_SQS_BATCH_WINDOW_SECONDS": "1",
            "LOCAL_STREAM_BATCH_WINDOW_SECONDS": "0",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local_stack", "--ws-port", str(self.ws_port), "--http-port", str(self.http_port),
             "--data-dir", str(self.data_dir), *extra],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            lines.append(line)
            if "Ctrl-C stops it" in line:
                return
            if not line and self.process.poll() is not None:
                break
        raise RuntimeError("local stack did not start:\n" + "".join(lines))

    def stop(self) -> float:
        """SIGTERM, as a service manager would; returns how long it took to exit."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=15)
        return time.monotonic() - started


@pytest.fixture
def local_stack(tmp_path) -> Iterator[LocalStackProcess]:
    stack = LocalStackProcess(tmp_path / "data")
    stack.start("--reset")
    yield stack
    if stack.process and stack.process.poll() is None:
        stack.stop()


def view(page: str, article: str | None = None, **extra) -> str:
    message = {"message": "views", "currentPage": page, **extra}
    if article:
        message.update(articleId=article, articleTitle=f"Title of {article}")
    return json.dumps(message)


async def next_frame(websocket, timeout: float = 15.0) -> dict:
    return json.loads(await asyncio.wait_for(websocket.recv(), timeout))


async def frame_matching(websocket, predicate, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = await next_frame(websocket, max(0.1, deadline - time.monotonic()))
        if predicate(frame):
            return frame
