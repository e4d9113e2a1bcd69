"""Replay a trace through a local stack over real WebSockets, and collect what it cost.

Each view opens its own connection (a multi-page blog), sends the client's message and
waits for its push: the first `views` frame on a new connection is the push of its own
view, because a connection becomes a reader of a page by the update that counts its view.
With `readers`, that many earlier viewers of the page stay connected (and receive every
push) when a view arrives; older viewers leave.

The replay is compressed: views are sent as fast as the stack takes them, at most
`concurrency` awaiting their push at once. Connection minutes are therefore priced from
the trace's dwell times, not from the replay's wall clock.

The stack runs with the batch sizes and windows of the deployed namespaces (not local
mode's smaller, windowless ones), because those are what the bill depends on.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake

from benchmark.progress import RunProgress
from benchmark.trace import SITES, TraceView, expected_counts, page_key, wire_message
from local_stack.harness import BROWSER_USER_AGENT, LocalStackProcess
from local_stack.state import read_snapshot
from viewcount.tables.page_counts import TOTAL_VIEWS, UNIQUE_VIEWS, is_page_key, key_of, number
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import COUNTS, MAX_RECEIVE_COUNT, QUEUES

# A view whose consumer crashed waits out the queue's visibility timeout (6x the function
# timeout, 3 min) before it is counted and pushed, and may crash again: wait for every
# delivery SQS makes before the DLQ takes it, so a view still on its way is not called lost.
PUSH_TIMEOUT_SECONDS = MAX_RECEIVE_COUNT * max(spec.visibility_timeout_seconds() for spec in QUEUES) + 60.0
# A loaded 2-core machine can take a while to accept; a blog's client would wait too.
OPEN_TIMEOUT_SECONDS = 120.0
CONNECT_ATTEMPTS = 5
# How long a view holds one of the `concurrency` slots while it waits for its push.
SLOT_SECONDS = 10.0


@dataclass
class ReplayResult:
    views_sent: int
    pushes_received: int
    latencies_ms: list[float]
    counted: dict[str, dict[str, int]]
    meter: dict[str, Any]
    seconds: float
    stack_output: list[str] = field(default_factory=list)

    def percentile(self, fraction: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def p50(self) -> float | None:
        return statistics.median(self.latencies_ms) if self.latencies_ms else None


class Reader:
    """One connection: sends its view and keeps reading what is pushed to it."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.first_push: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                message = json.loads(frame)
                if message.get("message") == "views" and not self.first_push.done():
                    self.first_push.set_result(time.perf_counter())
        except Exception:  # a closed connection ends the reader; the push timeout reports it
            pass

    async def close(self) -> None:
        await self.ws.close()
        self.task.cancel()


async def replay_views(
    trace: list[TraceView], ws_url: str, origins: Mapping[str, str], concurrency: int, progress: RunProgress
) -> tuple[int, list[float]]:
    """Send every view; returns how many got their push, and the push latencies in ms."""
    slots = asyncio.Semaphore(concurrency)
    still_reading: dict[str, deque[Reader]] = {}
    latencies: list[float] = []

    async def open_connection(visitor: int, origin: str) -> ClientConnection:
        # On one address only the browser tells readers apart: each reader of the trace has its own.
        user_agent = f"{BROWSER_USER_AGENT} reader/{visitor}"
        # A busy 2-core stack can drop a handshake; the blog's client reconnects, and so do we.
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                return await connect(
                    ws_url,
                    origin=origin,
                    max_queue=None,
                    open_timeout=OPEN_TIMEOUT_SECONDS,
                    user_agent_header=user_agent,
                )
            except (OSError, InvalidHandshake, TimeoutError):
                if attempt == CONNECT_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(2**attempt)
        raise AssertionError("unreachable")

    async def one(visitor: int, view: TraceView, shown: asyncio.Event) -> None:
        try:
            async with slots:
                reader = Reader(await open_connection(visitor, origins[view.site]))
                sent = time.perf_counter()
                await reader.ws.send(json.dumps(wire_message(view)))
                progress.view_sent()
                await asyncio.wait([reader.first_push], timeout=SLOT_SECONDS)
        finally:
            shown.set()  # also when the view could not be sent: the reader goes on
        try:
            pushed = await asyncio.wait_for(asyncio.shield(reader.first_push), PUSH_TIMEOUT_SECONDS)
            latencies.append((pushed - sent) * 1000)
            progress.view_counted()
        except TimeoutError:
            pass
        readers = still_reading.setdefault(page_key(view), deque())
        readers.append(reader)
        while len(readers) > view.readers:
            await readers.popleft().close()

    async def read(views: list[TraceView]) -> None:
        # A person opens their next page once the last one has shown its counts, or has not
        # within SLOT_SECONDS (a view whose consumer crashed waits out a visibility timeout).
        waits = []
        for view in views:
            shown = asyncio.Event()
            waits.append(asyncio.create_task(one(view.reader, view, shown)))
            await shown.wait()
        await asyncio.gather(*waits)

    by_reader: dict[int, list[TraceView]] = {}
    for view in trace:
        by_reader.setdefault(view.reader, []).append(view)
    await asyncio.gather(*(read(views) for views in by_reader.values()))
    for readers in still_reading.values():
        for reader in readers:
            await reader.close()
    return len(latencies), latencies


def counted_from_snapshot(data_dir: Path) -> dict[str, dict[str, int]]:
    """Per counter key, its counts as `expected_counts` gives them."""
    return {
        key_of(item): {"totalViews": number(item, TOTAL_VIEWS), "uniqueViews": number(item, UNIQUE_VIEWS)}
        for item in read_snapshot(data_dir).get(COUNTS.key, [])
    }


def run(trace: list[TraceView], *, faults: str, seed: int, concurrency: int, progress: RunProgress) -> ReplayResult:
    """One run on a fresh data directory; the stack is stopped (and saved) before counting."""
    with tempfile.TemporaryDirectory(prefix="viewcount-bench-") as directory:
        data_dir = Path(directory) / "data"
        meter_path = Path(directory) / "meter.json"
        deployed = DeploymentConfig.load("prod", {"PROD_CLIENT_URL": "https://blog.example.com"})
        env = {
            "VIEWCOUNT_METER": str(meter_path),
            "VIEWCOUNT_FAULTS": faults,
            "VIEWCOUNT_FAULT_SEED": str(seed),
            "LOCAL_SQS_BATCH_SIZE": str(deployed.sqs_batch_size),
            "LOCAL_SQS_BATCH_WINDOW_SECONDS": str(deployed.sqs_batch_window_seconds),
            "LOCAL_STREAM_BATCH_WINDOW_SECONDS": str(deployed.stream_batch_window_seconds),
        }
        stack = LocalStackProcess(data_dir, sites=SITES)
        progress.stage("starting the local stack")
        stack.start(env=env)
        started = time.perf_counter()
        progress.replay_started()
        try:
            origins = {site: stack.origin_of(site) for site in SITES}
            pushed, latencies = asyncio.run(replay_views(trace, stack.ws_url, origins, concurrency, progress))
        except Exception:
            print("".join(stack.output[-40:]), file=sys.stderr)
            raise
        finally:
            seconds = time.perf_counter() - started
            progress.replay_done()
            progress.stage("stopping the local stack, which saves its tables")
            stack.stop()
        progress.stage("comparing the saved counts with the trace")
        return ReplayResult(
            views_sent=len(trace),
            pushes_received=pushed,
            latencies_ms=latencies,
            counted=counted_from_snapshot(data_dir),
            meter=json.loads(meter_path.read_text()),
            seconds=seconds,
            stack_output=stack.output,
        )


def lost_and_duplicated(trace: list[TraceView], counted: dict[str, dict[str, int]]) -> dict[str, int]:
    """Per page, views missing from the counted totals and views counted more than once.

    Unique views are compared the same way, apart: a reload must not count as unique.
    """
    truth = expected_counts(trace)
    pages = set(truth) | {key for key in counted if is_page_key(key)}
    differences = {"lost": 0, "duplicated": 0, "unique_lost": 0, "unique_duplicated": 0}
    for key in pages:
        for field_name, prefix in (("totalViews", ""), ("uniqueViews", "unique_")):
            expected = truth.get(key, {}).get(field_name, 0)
            got = counted.get(key, {}).get(field_name, 0)
            differences[f"{prefix}lost"] += max(0, expected - got)
            differences[f"{prefix}duplicated"] += max(0, got - expected)
    return differences
