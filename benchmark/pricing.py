"""The cost model: price the measured usage of a run, and the same trace on the original design.

Prices are us-east-1 on-demand list prices (docs/benchmarks.md restates them); free tiers are
ignored so that a small run scales linearly to a large one. Two conventions:

- A GB of logs is 10**9 bytes. If AWS counts 2**30, logs cost about 7% less than shown here;
  both designs are priced the same way, so their comparison does not depend on it.
- Lambda GB-seconds use memory in MB / 1024 (128 MB is 0.125 GB), as Lambda bills them.

Every message here is far below the 32 KB (WebSocket) and 64 KB (SNS, SQS) billing units and
every item below 1 KB, so one message, request or write is one billed unit.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final, TypedDict

from benchmark.trace import TraceMix

MILLION: Final = 1_000_000
LOG_BYTES_PER_GB: Final = 10**9


class Prices(TypedDict):
    """USD; the unit is in each name."""

    ws_message_per_million: float
    connection_minute_per_million: float
    http_request_per_million: float  # HTTP API, the first 300 million a month
    lambda_request_per_million: float
    lambda_gb_second_arm64: float
    lambda_gb_second_x86_64: float
    sns_publish_per_million: float  # SNS to SQS delivery is free
    sqs_request_per_million: float
    dynamodb_wru_per_million: float
    dynamodb_rru_per_million: float
    dynamodb_stream_read: float  # free when read by a Lambda trigger
    logs_per_gb: float


PRICES: Final[Prices] = {
    "ws_message_per_million": 1.00,
    "connection_minute_per_million": 0.25,
    "http_request_per_million": 1.00,
    "lambda_request_per_million": 0.20,
    "lambda_gb_second_arm64": 0.0000133334,
    "lambda_gb_second_x86_64": 0.0000166667,
    "sns_publish_per_million": 0.50,
    "sqs_request_per_million": 0.40,
    "dynamodb_wru_per_million": 0.625,
    "dynamodb_rru_per_million": 0.125,
    "dynamodb_stream_read": 0.0,
    "logs_per_gb": 0.50,
}


@dataclass
class Usage:
    """The billed totals of one run. Floats, because a modelled design may use 1/10 of a request per view."""

    ws_messages_in: float = 0
    ws_messages_out: float = 0
    connection_minutes: float = 0
    http_requests: float = 0  # the HTTP API's (beacon views and their counts); preflights are free
    lambda_invocations: float = 0
    lambda_gb_seconds: float = 0  # arm64, as Viewcount deploys
    sns_publishes: float = 0
    sqs_requests: float = 0
    dynamodb_wru: float = 0
    dynamodb_rru: float = 0
    log_bytes: float = 0
    lambda_gb_seconds_x86: float = 0  # x86_64, as the original deployed

    def __post_init__(self) -> None:
        negative = [field.name for field in fields(self) if getattr(self, field.name) < 0]
        if negative:
            raise ValueError(f"usage cannot be negative: {', '.join(negative)}")


def cost_breakdown(usage: Usage, prices: Prices = PRICES) -> dict[str, float]:
    """USD per billed component, so a report can show where the money goes."""
    messages = usage.ws_messages_in + usage.ws_messages_out
    return {
        "api_gateway_messages": _millions(messages, prices["ws_message_per_million"]),
        "api_gateway_connection_minutes": _millions(usage.connection_minutes, prices["connection_minute_per_million"]),
        "api_gateway_http_requests": _millions(usage.http_requests, prices["http_request_per_million"]),
        "lambda_requests": _millions(usage.lambda_invocations, prices["lambda_request_per_million"]),
        "lambda_duration": usage.lambda_gb_seconds * prices["lambda_gb_second_arm64"]
        + usage.lambda_gb_seconds_x86 * prices["lambda_gb_second_x86_64"],
        "sns": _millions(usage.sns_publishes, prices["sns_publish_per_million"]),
        "sqs": _millions(usage.sqs_requests, prices["sqs_request_per_million"]),
        "dynamodb_writes": _millions(usage.dynamodb_wru, prices["dynamodb_wru_per_million"]),
        "dynamodb_reads": _millions(usage.dynamodb_rru, prices["dynamodb_rru_per_million"]),
        "logs": usage.log_bytes / LOG_BYTES_PER_GB * prices["logs_per_gb"],
    }


# A page whose WebSocket is blocked: one `POST /views` (the beacon) and two `GET /counts` (at
# once, and again after the pipeline's delay), each one HTTP API request and one invocation.
BEACON_HTTP_REQUESTS: Final = 3


def beacon_usage(beacon_views: float, post_gb_seconds: float, get_gb_seconds: float) -> Usage:
    """What the HTTP way in bills for `beacon_views`, given the measured GB-seconds of one
    `http_views` and one `http_counts` invocation. Such a view costs no WebSocket message, push,
    connection minute or `$connect`; what follows the publish is the same as any view's."""
    return Usage(
        http_requests=BEACON_HTTP_REQUESTS * beacon_views,
        lambda_invocations=BEACON_HTTP_REQUESTS * beacon_views,
        lambda_gb_seconds=beacon_views * (post_gb_seconds + 2 * get_gb_seconds),
    )


def _millions(count: float, usd_per_million: float) -> float:
    return count / MILLION * usd_per_million


def total(breakdown: dict[str, float]) -> float:
    return sum(breakdown.values())


def per_million(cost_usd: float, views: int) -> float:
    """Scale a run's cost to a million views, the unit designs are compared in."""
    if views <= 0:
        raise ValueError("views must be positive")
    return cost_usd * MILLION / views


def cost_per_million_views(usage: Usage, views: int) -> float:
    return per_million(total(cost_breakdown(usage)), views)


# The original design, per view (docs/benchmarks.md, "The original's per-view model").
ORIGINAL_STREAM_BATCH: Final = 5  # b': stream records per stream-Lambda invocation, taken full
ORIGINAL_MEMORY_GB: Final = 128 / 1024  # every function had 128 MB, on x86_64
ORIGINAL_VIEWS_SECONDS: Final = 0.060  # the views Lambda, per view
ORIGINAL_SMALL_SECONDS: Final = 0.020  # consumer, stream and $connect Lambdas, per invocation
ORIGINAL_POST_LOG_BYTES: Final = 2_000
ORIGINAL_PAGE_LOG_BYTES: Final = 1_500


def original_usage(mix: TraceMix) -> Usage:
    """The usage the original design would bill for the trace behind `mix`.

    b (SQS batch fill) is `mix.batch_size`, 10 by default, and b' is 5: both full, which favours
    the original. Post-count writes are not a per-view constant: the post consumer writes once
    per distinct article per batch (`mix.post_batch_updates`, simulated from the trace), and the
    stream Lambda copies each of those writes to the reader table. Home and profile consumers
    write once per message. Each view opens one connection, whose `$connect` runs a Lambda.
    """
    b = mix.batch_size
    consumer_runs = mix.views / b  # post, home and profile queues alike
    stream_runs = mix.post_views / ORIGINAL_STREAM_BATCH
    short_runs = consumer_runs + stream_runs + mix.connections
    return Usage(
        ws_messages_in=mix.views,
        ws_messages_out=mix.post_views,  # the stale count pushed back to a post's sender
        connection_minutes=mix.connection_minutes,
        lambda_invocations=mix.views + short_runs,
        lambda_gb_seconds_x86=ORIGINAL_MEMORY_GB
        * (mix.views * ORIGINAL_VIEWS_SECONDS + short_runs * ORIGINAL_SMALL_SECONDS),
        sns_publishes=mix.views,
        sqs_requests=mix.views * (1 + 2 / b),  # delivery, plus a receive and a delete per batch
        dynamodb_wru=2 * mix.post_batch_updates + mix.page_views + mix.views_with_referrer,
        dynamodb_rru=0.5 * mix.post_views,  # the views Lambda reads the reader table (eventually consistent)
        log_bytes=ORIGINAL_POST_LOG_BYTES * mix.post_views + ORIGINAL_PAGE_LOG_BYTES * mix.page_views,
    )
