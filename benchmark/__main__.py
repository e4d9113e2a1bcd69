"""`./bench.sh`: replay the reference trace through the local stack three times and price it.

    ./bench.sh [--json] [--views 20000] [--seed 1] [--concurrency 300] [--runs 1,2,3] [--beacon-share 0.1]
    ./bench.sh --spike [--readers 500] [--rate 10] [--seconds 120]

1. no faults, no other readers: the comparison with the original;
2. faults `post:0.2,stream:0.1,ddb:0.05,dup:0.1`: exactness under failure;
3. no faults, 1-3 other readers per page: the price of live updates.

`--spike` runs instead one post read by a crowd (benchmark/spike.py). `--beacon-share 0.1`
sends a tenth of the readers' views by beacon over the HTTP API (one `POST /views`, two
`GET /counts`, no WebSocket), as pages whose WebSocket is blocked do.

Each run starts `python -m local_stack` on a fresh data directory with metering on
(`VIEWCOUNT_METER`), replays the trace, stops the stack and reads its tables and meter.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

from benchmark import pricing
from benchmark.progress import RunProgress
from benchmark.replay import ReplayResult, lost_and_duplicated, run
from benchmark.trace import TraceSettings, generate, mix


@dataclass(frozen=True)
class RunSpec:
    faults: str
    readers: tuple[int, int]


RUNS = (
    RunSpec("", (0, 0)),
    RunSpec("post:0.2,stream:0.1,ddb:0.05,dup:0.1", (0, 0)),
    RunSpec("", (1, 3)),
)


def report(spec: RunSpec, settings: TraceSettings, result: ReplayResult) -> dict[str, Any]:
    trace_mix = mix(generate(settings))
    meter = result.meter
    # The connections of the views that went by WebSocket (all of them without a beacon share).
    connection_minutes = result.connection_minutes
    usage = pricing.Usage(
        ws_messages_in=meter["ws_messages_in"],
        ws_messages_out=meter["ws_messages_out"],
        connection_minutes=connection_minutes,
        http_requests=meter.get("http_requests", 0),
        lambda_invocations=meter["lambda_invocations"],
        lambda_gb_seconds=meter["lambda_gb_seconds"],
        sns_publishes=meter["sns_publishes"],
        sqs_requests=meter["sqs_requests"],
        dynamodb_wru=meter["dynamodb_wru"],
        dynamodb_rru=meter["dynamodb_rru"],
        log_bytes=meter["log_bytes"],
    )
    views = result.views_sent
    breakdown = pricing.cost_breakdown(usage)
    # A page load opens one connection: $connect and connection minutes are its part.
    connect = next(name for name in meter["lambda_invocations_by_function"] if name.endswith("-connect"))
    per_connection = pricing.cost_breakdown(
        pricing.Usage(
            connection_minutes=connection_minutes,
            lambda_invocations=meter["lambda_invocations_by_function"][connect],
            lambda_gb_seconds=meter["lambda_gb_seconds_by_function"][connect],
        )
    )
    trace = generate(settings)
    connected_readers = sum(1 + view.readers for view in trace) / views
    original = pricing.original_usage(trace_mix)
    original_breakdown = pricing.cost_breakdown(original)
    p50, p99 = result.p50, result.percentile(0.99)
    return {
        "run": RUNS.index(spec) + 1,
        "faults": spec.faults,
        "readers": list(spec.readers),
        "views_sent": views,
        "beacon_views": result.beacon_views,
        "http_requests": meter.get("http_requests", 0),
        **lost_and_duplicated(trace, result.counted),
        "pushes_received": result.pushes_received,
        "operations": meter["operations"],
        "lambda_invocations": meter["lambda_invocations"],
        "lambda_invocations_by_function": meter["lambda_invocations_by_function"],
        "lambda_gb_seconds": meter["lambda_gb_seconds"],
        "ws_messages_in": meter["ws_messages_in"],
        "ws_messages_out": meter["ws_messages_out"],
        "connection_minutes": round(connection_minutes, 1),
        "dynamodb_wru": meter["dynamodb_wru"],
        "dynamodb_rru": meter["dynamodb_rru"],
        "dynamodb_wru_per_view": round(meter["dynamodb_wru"] / views, 3),
        "dynamodb_wru_per_view_by_table": {
            table: round(wru / views, 3) for table, wru in meter.get("dynamodb_wru_by_table", {}).items()
        },
        "dynamodb_writes_over_1_kb_by_table": meter.get("dynamodb_writes_over_1_kb_by_table", {}),
        "log_bytes": meter["log_bytes"],
        "cost_usd_per_million_views": round(pricing.per_million(pricing.total(breakdown), views), 3),
        "cost_by_component_usd_per_million_views": {
            name: round(pricing.per_million(cost, views), 3) for name, cost in breakdown.items()
        },
        "cost_per_connection_part_usd_per_million_views": round(
            pricing.per_million(pricing.total(per_connection), views), 3
        ),
        "cost_per_view_part_usd_per_million_views": round(
            pricing.per_million(pricing.total(breakdown) - pricing.total(per_connection), views), 3
        ),
        "original_cost_usd_per_million_views": round(pricing.per_million(pricing.total(original_breakdown), views), 3),
        "original_cost_by_component_usd_per_million_views": {
            name: round(pricing.per_million(cost, views), 3) for name, cost in original_breakdown.items()
        },
        "original_dynamodb_wru_per_view": round(original.dynamodb_wru / views, 3),
        "max_writes_per_second_one_key": meter["max_writes_per_second_one_key"],
        "pushes_per_view": round(meter["ws_messages_out"] / views, 3),
        # `GET @connections`, which may or may not be billed as messages.
        "probes_per_view": round(meter.get("ws_probes", 0) / views, 3),
        "connected_readers_per_view": round(connected_readers, 3),
        "pushes_per_connected_reader": round(meter["ws_messages_out"] / views / connected_readers, 3),
        "push_latency_ms_p50": round(p50, 1) if p50 is not None else None,
        "push_latency_ms_p99": round(p99, 1) if p99 is not None else None,
        "faults_injected": meter.get("faults_injected", {}),
        "replay_seconds": round(result.seconds, 1),
        "views_per_second": round(views / result.seconds, 1),
    }


def print_table(runs: list[dict[str, Any]]) -> None:
    titles = [f"{r['run']}. {r['faults'] or 'no faults'}, readers {r['readers'][0]}-{r['readers'][1]}" for r in runs]
    rows = [
        ("views sent", "views_sent"),
        ("  of which by beacon (HTTP requests)", lambda r: f"{r['beacon_views']} ({r['http_requests']})"),
        ("lost / duplicated", lambda r: f"{r['lost']} / {r['duplicated']}"),
        ("unique lost / duplicated", lambda r: f"{r['unique_lost']} / {r['unique_duplicated']}"),
        ("faults injected", lambda r: ", ".join(f"{k} {v}" for k, v in r["faults_injected"].items()) or "-"),
        ("DynamoDB WRU per view", "dynamodb_wru_per_view"),
        (
            "  by table",
            lambda r: ", ".join(f"{table} {wru}" for table, wru in r["dynamodb_wru_per_view_by_table"].items()),
        ),
        ("  original design", "original_dynamodb_wru_per_view"),
        ("RRU", "dynamodb_rru"),
        ("Lambda invocations", "lambda_invocations"),
        ("Lambda GB-s", "lambda_gb_seconds"),
        ("WebSocket messages in / out", lambda r: f"{r['ws_messages_in']} / {r['ws_messages_out']}"),
        ("log bytes per view", lambda r: round(r["log_bytes"] / r["views_sent"])),
        ("pushes per view / readers", lambda r: f"{r['pushes_per_view']} / {r['connected_readers_per_view']}"),
        ("probes per view", "probes_per_view"),
        ("max writes/s on one key", "max_writes_per_second_one_key"),
        ("push latency p50 / p99 ms", lambda r: f"{r['push_latency_ms_p50']} / {r['push_latency_ms_p99']}"),
        ("replay views/s", "views_per_second"),
    ]
    for name in runs[0]["cost_by_component_usd_per_million_views"]:
        rows.append((f"USD/M views: {name}", lambda r, n=name: r["cost_by_component_usd_per_million_views"][n]))
    rows += [
        ("USD/M views: per-view part", "cost_per_view_part_usd_per_million_views"),
        ("USD/M views: per-connection part", "cost_per_connection_part_usd_per_million_views"),
        ("USD per million views", "cost_usd_per_million_views"),
        ("  original design, same trace", "original_cost_usd_per_million_views"),
        ("  ratio", lambda r: round(r["cost_usd_per_million_views"] / r["original_cost_usd_per_million_views"], 2)),
    ]
    width = max(len(name) for name, _ in rows) + 2
    column = max(24, *(len(t) + 2 for t in titles))
    print(" " * width + "".join(t.ljust(column) for t in titles))
    for name, value in rows:
        cells = [value(r) if callable(value) else r[value] for r in runs]
        print(name.ljust(width) + "".join(str(c).ljust(column) for c in cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help='print one JSON object {"runs": [...]}')
    parser.add_argument("--views", type=int, default=TraceSettings.views, help="views in the trace (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="trace and fault seed (default 1)")
    parser.add_argument("--concurrency", type=int, default=300, help="views awaiting their push at once (default 300)")
    parser.add_argument("--runs", default="1,2,3", help="which runs, e.g. 1,3 (default all three)")
    parser.add_argument(
        "--beacon-share",
        type=float,
        default=0.0,
        help="share of readers whose WebSocket is blocked and who send views by beacon (default 0)",
    )
    parser.add_argument("--spike", action="store_true", help="one post, a crowd of readers, a steady flow of views")
    parser.add_argument("--readers", type=int, default=500, help="--spike: readers before the flow (default 500)")
    parser.add_argument("--rate", type=float, default=10, help="--spike: new viewers per second (default 10)")
    parser.add_argument("--seconds", type=float, default=120, help="--spike: how long they arrive (default 120)")
    args = parser.parse_args(argv)
    if args.spike:
        return spike(args)
    try:
        chosen = [RUNS[int(number) - 1] for number in args.runs.split(",")]
        if args.views < 10 or args.concurrency < 1 or not 0 <= args.beacon_share <= 1:
            raise ValueError
    except (ValueError, IndexError):
        print(
            "bench.sh: --runs takes numbers 1-3, --views at least 10, --concurrency at least 1, --beacon-share 0 to 1",
            file=sys.stderr,
        )
        return 2
    reports = []
    for spec in chosen:
        # The burst keeps its share of the reference trace (2,000 of 20,000) at any size.
        settings = TraceSettings(views=args.views, burst_views=args.views // 10, readers=spec.readers, seed=args.seed)
        label = f"bench: run {RUNS.index(spec) + 1}"
        print(f"{label}: {args.views} views, faults {spec.faults or 'none'}, "
              f"readers {spec.readers[0]}-{spec.readers[1]}", file=sys.stderr, flush=True)  # fmt: skip
        progress = RunProgress(label, args.views)
        result = run(
            generate(settings),
            faults=spec.faults,
            seed=args.seed,
            concurrency=args.concurrency,
            progress=progress,
            beacon_share=args.beacon_share,
        )
        reports.append(report(spec, settings, result))
    if args.json:
        print(json.dumps({"runs": reports}, indent=2))
    else:
        print_table(reports)
    return 0


def spike(args: argparse.Namespace) -> int:
    from benchmark.spike import run_spike

    if args.readers < 0 or args.rate <= 0 or args.seconds <= 0:
        print("bench.sh: --readers at least 0, --rate and --seconds above 0", file=sys.stderr)
        return 2
    views = args.readers + int(args.rate * args.seconds)
    figures = run_spike(args.readers, args.rate, args.seconds, RunProgress("bench: spike", views))
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        width = max(len(name) for name in figures) + 2
        for name, value in figures.items():
            print(name.ljust(width) + str(value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
