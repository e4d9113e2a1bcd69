"""Load the local stack with many concurrent WebSocket clients; print throughput and push latency.

    .venv/bin/python tools/bench_local.py [--clients 50] [--rate 50] [--seconds 20]
        [--against REV [--rounds 3]]

It starts `python -m local_stack` on free ports with a fresh data directory, then opens
`--clients` connections, each reading a post of its own, and sends views at `--rate` views
per second in total (0: as fast as the stack answers). The latency of a view is the time
from sending it to the first push on that connection whose total includes it. Medians and
p99 are printed; run it a few times, this machine is noisy.

With `--against REV` it also runs the stack of commit REV (checked out in a temporary git
worktree, with this checkout's virtualenv), alternating the two `--rounds` times, and prints
each one's median and the ratio of this checkout's sustained views/s to REV's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from local_stack.harness import BROWSER_USER_AGENT, LocalStackProcess


async def client(
    url: str,
    origin: str,
    article: str,
    sends: asyncio.Queue,
    latencies: list[float],
    pushed_at: list[float],
    stop: asyncio.Event,
) -> None:
    # Each client is a reader of its own: on one address only the browser tells readers apart.
    async with connect(url, origin=origin, user_agent_header=f"{BROWSER_USER_AGENT} reader/{article}") as ws:
        sent_at: list[float] = []  # send time of this connection's n-th view
        matched = 0

        async def reader() -> None:
            # Each connection reads its own article, so a push with total T covers its first T views.
            nonlocal matched
            async for frame in ws:
                push = json.loads(frame)
                if push.get("message") == "views":
                    now = time.perf_counter()
                    while matched < min(push["totalViews"], len(sent_at)):
                        latencies.append(now - sent_at[matched])
                        pushed_at.append(now)
                        matched += 1

        task = asyncio.create_task(reader())
        message = json.dumps(
            {"message": "views", "currentPage": f"/posts/{article}", "articleId": article, "articleTitle": article}
        )
        while not stop.is_set():
            try:
                await asyncio.wait_for(sends.get(), 0.2)
            except TimeoutError:
                continue
            sent_at.append(time.perf_counter())
            await ws.send(message)
        await asyncio.sleep(3)  # let the last pushes arrive
        task.cancel()


async def drive(url: str, origin: str, clients: int, rate: float, seconds: float) -> tuple[int, list[float], float]:
    """Views sent, their latencies, and views pushed per second (first send to last push)."""
    latencies: list[float] = []
    pushed_at: list[float] = []
    stop = asyncio.Event()
    queues = [asyncio.Queue() for _ in range(clients)]
    tasks = [
        asyncio.create_task(client(url, origin, f"post-{i}", queues[i], latencies, pushed_at, stop))
        for i in range(clients)
    ]
    await asyncio.sleep(1)
    sent, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        queues[random.randrange(clients)].put_nowait(1)
        sent += 1
        if rate:
            await asyncio.sleep(max(0.0, started + sent / rate - time.perf_counter()))
        else:
            await asyncio.sleep(0)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    sustained = len(pushed_at) / (max(pushed_at) - started) if pushed_at else 0.0
    return sent, latencies, sustained


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process so far (Linux), or None where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Each client sends many views of one page on one connection: lift the per-connection rate
# limit and the per-visitor daily cap, which would otherwise refuse all but a few. A commit
# that knows no such setting ignores it.
LIFTED_LIMITS = {"LOCAL_VIEWS_PER_MINUTE": "600", "LOCAL_VIEWS_PER_PAGE_PER_DAY": "10000"}


def measure(root: Path, args: argparse.Namespace) -> dict[str, float]:
    """One run of the stack in `root`: views sent, sustained views/s, latencies, CPU per view."""
    with tempfile.TemporaryDirectory() as data_dir, LocalStackProcess(Path(data_dir), root) as stack:
        stack.start("--reset", env=LIFTED_LIMITS)
        assert stack.process is not None
        started, cpu_before = time.perf_counter(), cpu_seconds(stack.process.pid)
        run = drive(stack.ws_url, stack.origin, args.clients, args.rate, args.seconds)
        sent, latencies, sustained = asyncio.run(run)
        elapsed, cpu_after = time.perf_counter() - started, cpu_seconds(stack.process.pid)
    latencies.sort()
    result = {"sent": sent, "pushed": len(latencies), "wall": elapsed, "sustained": sustained}
    if latencies:
        result["p50_ms"] = statistics.median(latencies) * 1000
        result["p99_ms"] = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000
    if cpu_before is not None and cpu_after is not None and latencies:
        # Steadier than throughput on a noisy machine: what the stack spent on each pushed view.
        result["cpu_ms"] = (cpu_after - cpu_before) / len(latencies) * 1000
    return result


def report(name: str, result: dict[str, float], args: argparse.Namespace) -> None:
    sent = f"views sent {result['sent']} ({result['sent'] / args.seconds:.0f}/s)"
    print(f"{name}: {sent}, pushes matched {result['pushed']}, wall {result['wall']:.0f} s")
    print(f"{name}: sustained {result['sustained']:.1f} views/s pushed")
    if "cpu_ms" in result:
        print(f"{name}: stack CPU per view pushed: {result['cpu_ms']:.1f} ms")
    if "p50_ms" in result:
        print(f"{name}: send-to-push latency: p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms")


def against(rev: str, args: argparse.Namespace) -> None:
    here = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="viewcount-against-") as directory:
        other = Path(directory) / "checkout"
        subprocess.run(["git", "-C", str(here), "worktree", "add", "--detach", str(other), rev], check=True)
        try:
            runs: dict[str, list[dict[str, float]]] = {"this checkout": [], rev: []}
            for round_number in range(1, args.rounds + 1):
                for name, root in (("this checkout", here), (rev, other)):
                    runs[name].append(measure(root, args))
                    report(f"round {round_number}, {name}", runs[name][-1], args)
        finally:
            subprocess.run(["git", "-C", str(here), "worktree", "remove", "--force", str(other)], check=False)
    medians = {name: statistics.median(r["sustained"] for r in results) for name, results in runs.items()}
    for name, median in medians.items():
        p99 = statistics.median(r.get("p99_ms", float("nan")) for r in runs[name])
        print(f"median of {args.rounds}, {name}: sustained {median:.1f} views/s, p99 {p99:.0f} ms")
    if medians[rev]:
        print(f"ratio (this checkout / {rev}): {medians['this checkout'] / medians[rev]:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=50, help="views per second in total; 0 = unthrottled")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--against", metavar="REV", help="also run the stack of this commit, side by side")
    parser.add_argument("--rounds", type=int, default=3, help="with --against: runs of each, alternating")
    args = parser.parse_args()
    print(f"clients {args.clients}, target rate {args.rate or 'unthrottled'} views/s, {args.seconds:.0f} s")
    if args.against:
        against(args.against, args)
    else:
        report("this checkout", measure(Path(__file__).resolve().parent.parent, args), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
