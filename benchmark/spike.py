"""`./bench.sh --spike`: one post read by a crowd, on the local stack.

`readers` people open the post first (each sends its view and stays). Then, for `seconds`,
`rate` new viewers a second arrive, and each stays as a reader too. Every connection
records each push it receives. From those:

- pushes per view: frames received during the measured part, per view sent in it (the
  warm-up's own are left out), next to the stack's own count of `@connections` GETs;
- staleness: for each view and each reader connected when it was sent, how long until
  that reader was shown a total that includes it (a total at least the number of views
  sent so far), as median, p99 and maximum;
- the stack keeping up: failed handshakes, handshake times, and whether every view counted.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from benchmark import pricing
from benchmark.progress import RunProgress
from local_stack.harness import BROWSER_USER_AGENT, LocalStackProcess
from local_stack.state import read_snapshot
from viewcount.sites import DEFAULT_SITE_ID
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import COUNTS

ARTICLE = "spike"
PAGE_KEY = f"{DEFAULT_SITE_ID}#post#{ARTICLE}"
WARM_UP_PER_SECOND = 25
HANDSHAKE_TIMEOUT_SECONDS = 30.0
# After the last view: long enough for any coalesced push to carry it.
SETTLE_SECONDS = 40.0


@dataclass
class SpikeReader:
    ws: ClientConnection
    sent_at: float = 0.0
    joined_at: float | None = None  # when its own view's push arrived: a reader from then on
    frames: list[tuple[float, int]] = field(default_factory=list)  # (received, totalViews)
    task: asyncio.Task | None = None

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if message.get("message") == "views":
                    now = time.perf_counter()
                    self.frames.append((now, int(message["totalViews"])))
                    if self.joined_at is None:
                        self.joined_at = now
        except Exception:  # a closed connection ends its record
            pass


@dataclass
class SpikeResult:
    readers: list[SpikeReader]
    warm_up_views: int
    measured: list[SpikeReader]  # the viewers of the measured part, in the order they were sent
    failed_handshakes: int
    handshake_ms: list[float]
    started: float
    ended: float
    counted: dict[str, Any]
    meter: dict[str, Any]


def view_message() -> str:
    return json.dumps(
        {
            "message": "views",
            "articleId": ARTICLE,
            "articleTitle": "A post read by a crowd",
            "currentPage": f"/posts/{ARTICLE}/",
            "previousPage": "",
            "refreshed": False,
            "article": True,
        }
    )


async def crowd(
    ws_url: str, origin: str, readers: int, rate: float, seconds: float, progress: RunProgress
) -> SpikeResult:
    everyone: list[SpikeReader] = []
    handshakes: list[float] = []
    failed = 0

    async def arrive(number: int) -> SpikeReader | None:
        nonlocal failed
        opened = time.perf_counter()
        try:
            ws = await connect(
                ws_url,
                origin=origin,
                open_timeout=HANDSHAKE_TIMEOUT_SECONDS,
                max_queue=None,
                user_agent_header=f"{BROWSER_USER_AGENT} spike/{number}",
            )
        except Exception:
            failed += 1  # a person's browser would retry; the stack did not keep up
            return None
        handshakes.append((time.perf_counter() - opened) * 1000)
        reader = SpikeReader(ws)
        reader.task = asyncio.create_task(reader.read())
        reader.sent_at = time.perf_counter()
        await ws.send(view_message())
        progress.view_sent()
        everyone.append(reader)
        return reader

    async def arrive_at(start: float, per_second: float, count: int, offset: int) -> list[SpikeReader | None]:
        tasks = []
        for index in range(count):
            await asyncio.sleep(max(0.0, start + index / per_second - time.perf_counter()))
            tasks.append(asyncio.create_task(arrive(offset + index)))
        return list(await asyncio.gather(*tasks))

    progress.stage(f"warm-up: {readers} readers open the post")
    warm = await arrive_at(time.perf_counter(), WARM_UP_PER_SECOND, readers, 0)
    await asyncio.sleep(SETTLE_SECONDS / 2)
    progress.stage(f"measured: {rate:g} views/s for {seconds:g} s")
    started = time.perf_counter()
    measured = await arrive_at(started, rate, int(rate * seconds), readers)
    ended = time.perf_counter()
    await asyncio.sleep(SETTLE_SECONDS)
    for reader in everyone:
        await reader.ws.close()
        if reader.task:
            reader.task.cancel()
    return SpikeResult(
        readers=everyone,
        warm_up_views=sum(1 for reader in warm if reader),
        measured=[reader for reader in measured if reader],
        failed_handshakes=failed,
        handshake_ms=handshakes,
        started=started,
        ended=ended,
        counted={},
        meter={},
    )


def staleness(result: SpikeResult) -> tuple[list[float], int]:
    """Per (view of the measured part, reader connected when it was sent): seconds until that
    reader saw a total including it; and how many such pairs never saw one."""
    lags, never = [], 0
    sent = sorted(reader.sent_at for reader in result.measured)
    shown = []  # per reader: receive times, and the highest total seen by then
    for reader in result.readers:
        times, highest, best = [], [], 0
        for received, total in reader.frames:
            best = max(best, total)
            times.append(received)
            highest.append(best)
        shown.append((reader.joined_at, times, highest))
    for position, sent_at in enumerate(sent):
        needed = result.warm_up_views + position + 1
        for joined_at, times, highest in shown:
            if joined_at is None or joined_at > sent_at:
                continue
            index = bisect.bisect_left(highest, needed)
            if index == len(highest):
                never += 1
            else:
                lags.append(max(0.0, times[index] - sent_at))
    return lags, never


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_spike(readers: int, rate: float, seconds: float, progress: RunProgress) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="viewcount-spike-") as directory:
        data_dir = Path(directory) / "data"
        meter_path = Path(directory) / "meter.json"
        deployed = DeploymentConfig.load("prod", {"PROD_CLIENT_URL": "https://blog.example.com"})
        stack = LocalStackProcess(data_dir)
        progress.stage("starting the local stack")
        stack.start(
            env={
                "VIEWCOUNT_METER": str(meter_path),
                "LOCAL_SQS_BATCH_SIZE": str(deployed.sqs_batch_size),
                "LOCAL_SQS_BATCH_WINDOW_SECONDS": str(deployed.sqs_batch_window_seconds),
                "LOCAL_STREAM_BATCH_WINDOW_SECONDS": str(deployed.stream_batch_window_seconds),
            }
        )
        try:
            result = asyncio.run(crowd(stack.ws_url, stack.origin, readers, rate, seconds, progress))
        finally:
            progress.stage("stopping the local stack, which saves its tables")
            stack.stop()
        counts = {item["pageKey"]["S"]: item for item in read_snapshot(data_dir).get(COUNTS.key, [])}
        result.counted = counts.get(PAGE_KEY, {})
        result.meter = json.loads(meter_path.read_text())
    return report(result, readers, rate, seconds)


def report(result: SpikeResult, readers: int, rate: float, seconds: float) -> dict[str, Any]:
    views = len(result.measured)
    in_window = sum(1 for reader in result.readers for received, _ in reader.frames if received >= result.started)
    lags, never = staleness(result)
    meter = result.meter
    total_views = result.warm_up_views + views
    counter_bytes = len(json.dumps(result.counted))
    probes = meter.get("ws_probes", 0)
    messages_per_view = meter["ws_messages_out"] / total_views
    price = pricing.PRICES["ws_message_per_million"]
    return {
        "readers_at_start": readers,
        "views_per_second": rate,
        "seconds": seconds,
        "views_measured": views,
        "views_counted": int(result.counted.get("totalViews", {}).get("N", "0")),
        "views_sent_in_all": total_views,
        "failed_handshakes": result.failed_handshakes,
        "handshake_ms_p50": round(statistics.median(result.handshake_ms), 1) if result.handshake_ms else None,
        "handshake_ms_p99": round(percentile(result.handshake_ms, 0.99) or 0, 1),
        "measured_part_seconds": round(result.ended - result.started, 1),
        "pushes_received_per_view": round(in_window / max(1, views), 2),
        # Connected time within the measured part: what the pushes per view rest on.
        "reader_seconds": round(
            sum(
                max(0.0, result.ended - max(result.started, r.joined_at))
                for r in result.readers
                if r.joined_at is not None
            )
        ),
        "stack_messages_out_per_view": round(messages_per_view, 2),
        "stack_probes_per_view": round(probes / total_views, 3),
        "push_usd_per_million_views_probes_free": round(messages_per_view * price, 3),
        "push_usd_per_million_views_probes_billed": round((meter["ws_messages_out"] + probes) / total_views * price, 3),
        "staleness_s_p50": round(statistics.median(lags), 1) if lags else None,
        "staleness_s_p99": round(percentile(lags, 0.99) or 0, 1),
        "staleness_s_max": round(max(lags), 1) if lags else None,
        "reader_view_pairs_never_shown": never,
        "counter_item_bytes": counter_bytes,
        "counter_write_wru": -(-counter_bytes // 1024),
        "dynamodb_wru_per_view": round(meter["dynamodb_wru"] / total_views, 3),
        "dynamodb_rru_per_view": round(meter["dynamodb_rru"] / total_views, 3),
        "lambda_invocations_by_function": meter["lambda_invocations_by_function"],
    }
