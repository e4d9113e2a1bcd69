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

With a beacon share, that share of the trace's readers have their WebSocket blocked: each of
their views is a `POST /views` to the HTTP API (a beacon), a `GET /counts` at once and one
more after the pipeline's usual delay, and no connection. Their views get no push, so the run
waits until the saved site totals hold every view before it stops the stack.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake

from benchmark.progress import RunProgress
from benchmark.trace import SITES, TraceView, expected_counts, page_key, wire_message
from local_stack.harness import BROWSER_USER_AGENT, LocalStackProcess
from local_stack.state import read_snapshot
from viewcount.tables.page_counts import TOTAL_VIEWS, UNIQUE_VIEWS, is_page_key, key_of, number, site_key
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
# When a beacon page reads its counts again: the deployed queue's 5 s window and the stream's 1 s.
BEACON_SECOND_READ_SECONDS = 6.0


@dataclass
class ReplayResult:
    views_sent: int
    pushes_received: int
    latencies_ms: list[float]
    counted: dict[str, dict[str, int]]
    meter: dict[str, Any]
    seconds: float
    stack_output: list[str] = field(default_factory=list)
    beacon_views: int = 0
    # The connections the replay held: the views that went by WebSocket.
    connection_minutes: float = 0.0

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


def beacon_readers(trace: list[TraceView], share: float, seed: int) -> set[int]:
    """The readers whose WebSocket is blocked: about `share` of them, drawn with the seed."""
    rng = random.Random(f"beacon-{seed}")
    return {reader for reader in sorted({view.reader for view in trace}) if rng.random() < share}


def _http(url: str, origin: str, user_agent: str, body: bytes | None = None) -> int:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST" if body is not None else "GET",
        headers={"Origin": origin, "User-Agent": user_agent, "Content-Type": "text/plain;charset=UTF-8"},
    )
    with urllib.request.urlopen(request, timeout=OPEN_TIMEOUT_SECONDS) as response:
        response.read()
        return response.status


async def replay_views(
    trace: list[TraceView],
    ws_url: str,
    origins: Mapping[str, str],
    concurrency: int,
    progress: RunProgress,
    http_api_url: str = "",
    beacons: frozenset[int] = frozenset(),
) -> tuple[int, list[float]]:
    """Send every view; returns how many got their push, and the push latencies in ms."""
    slots = asyncio.Semaphore(concurrency)
    later_reads: list[asyncio.Task[int]] = []
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

    async def by_beacon(visitor: int, view: TraceView, shown: asyncio.Event) -> None:
        origin, user_agent = origins[view.site], f"{BROWSER_USER_AGENT} reader/{visitor}"
        counts_url = f"{http_api_url}/counts?paths={quote(view.path)}"
        try:
            async with slots:
                body = json.dumps(wire_message(view)).encode()
                await asyncio.to_thread(_http, f"{http_api_url}/views", origin, user_agent, body)
                progress.view_sent()
                await asyncio.to_thread(_http, counts_url, origin, user_agent)
        finally:
            shown.set()

        async def read_again() -> int:
            await asyncio.sleep(BEACON_SECOND_READ_SECONDS)
            status = await asyncio.to_thread(_http, counts_url, origin, user_agent)
            progress.view_counted()
            return status

        later_reads.append(asyncio.create_task(read_again()))

    async def read(views: list[TraceView]) -> None:
        # A person opens their next page once the last one has shown its counts, or has not
        # within SLOT_SECONDS (a view whose consumer crashed waits out a visibility timeout).
        waits = []
        for view in views:
            shown = asyncio.Event()
            send = by_beacon if view.reader in beacons else one
            waits.append(asyncio.create_task(send(view.reader, view, shown)))
            await shown.wait()
        await asyncio.gather(*waits)

    by_reader: dict[int, list[TraceView]] = {}
    for view in trace:
        by_reader.setdefault(view.reader, []).append(view)
    await asyncio.gather(*(read(views) for views in by_reader.values()))
    await asyncio.gather(*later_reads)
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


def wait_until_counted(data_dir: Path, trace: list[TraceView], timeout: float) -> None:
    """Until the saved site totals hold every view of the trace (beacon views get no push to
    wait for); the stack saves its tables every 5 s."""
    expected = len(trace)
    sites = {site_key(view.site) for view in trace}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            counted = counted_from_snapshot(data_dir)
        except FileNotFoundError:  # not saved yet
            counted = {}
        if sum(counted.get(key, {}).get("totalViews", 0) for key in sites) >= expected:
            return
        time.sleep(1.0)


def run(
    trace: list[TraceView],
    *,
    faults: str,
    seed: int,
    concurrency: int,
    progress: RunProgress,
    beacon_share: float = 0.0,
) -> ReplayResult:
    """One run on a fresh data directory; the stack is stopped (and saved) before counting.
    `beacon_share` of the readers send their views by beacon over the HTTP API."""
    beacons = frozenset(beacon_readers(trace, beacon_share, seed)) if beacon_share else frozenset()
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
            pushed, latencies = asyncio.run(
                replay_views(trace, stack.ws_url, origins, concurrency, progress, stack.http_api_url, beacons)
            )
            if beacons:
                progress.stage("waiting until the beacon views are counted")
                wait_until_counted(data_dir, trace, PUSH_TIMEOUT_SECONDS)
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
            beacon_views=sum(view.reader in beacons for view in trace),
            connection_minutes=sum(view.dwell_seconds for view in trace if view.reader not in beacons) / 60,
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
