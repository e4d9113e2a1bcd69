"""Run `./run_local.sh`'s stack in a subprocess on free ports, and talk to it like a blog."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest

from local_stack.harness import LocalStackProcess


@pytest.fixture
def local_stack(tmp_path) -> Iterator[LocalStackProcess]:
    with LocalStackProcess(tmp_path / "data") as stack:
        stack.start("--reset")
        yield stack


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
