"""Fuzzing the local gateway: every frame a client sends gets an answer with a stable code.

Arbitrary bytes, arbitrary text and JSON, near-valid views and counts requests go over a
real WebSocket to the local stack. Each gets a push (a counted view), a counts answer, or an
error frame whose code is one of `viewcount.errors.ALL_CODES`, never API Gateway's "Internal
server error" and never silence, except a view whose browser says it is automated (a bot view,
counted apart on purpose). At the end, the site's total counts exactly the views that were pushed.

tests/unit/test_errors.py checks that the README lists exactly those codes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from local_stack.harness import LocalStackProcess
from tests.e2e.conftest import frame_matching, next_frame, view
from tests.frames import gateway_frames
from viewcount import errors


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[LocalStackProcess]:
    with LocalStackProcess(tmp_path_factory.mktemp("fuzz")) as local_stack:
        local_stack.start("--reset")
        yield local_stack


def says_automated(frame: str | bytes) -> bool:
    try:
        fields = json.loads(frame)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(fields, dict) and any(str(k).lower() == "webdriver" and v is True for k, v in fields.items())


async def answer(stack: LocalStackProcess, frame: str | bytes) -> dict | None:
    async with stack.connect(max_size=None) as ws:
        await ws.send(frame)
        try:
            return await next_frame(ws, timeout=2 if says_automated(frame) else 20)
        except TimeoutError:
            return None


def check_answer(stack: LocalStackProcess, frame: str | bytes) -> bool:
    """Send one frame on a connection of its own; True when it was counted (pushed)."""
    reply = asyncio.run(answer(stack, frame))
    if reply is None:
        assert says_automated(frame), f"no answer to {frame!r}"
        return False
    kind = reply.get("message")
    assert kind in ("views", "counts", "error"), reply
    if kind == "error":
        assert reply["error"]["code"] in errors.ALL_CODES and reply["error"]["code"] != errors.UNAVAILABLE
    return kind == "views"


def test_every_frame_is_answered_and_only_counted_frames_count(stack):
    pushed = []

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(frame=gateway_frames)
    def every_frame(frame):
        pushed.append(check_answer(stack, frame))

    every_frame()

    async def final_view():
        async with stack.connect() as ws:
            await ws.send(view("/posts/after-the-fuzz", "after-the-fuzz"))
            return await frame_matching(ws, lambda frame: frame.get("message") == "views")

    push = asyncio.run(final_view())

    # The site counts exactly the frames that were pushed as counted views, and this one.
    assert push["site"]["totalViews"] == sum(pushed) + 1
