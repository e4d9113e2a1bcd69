from __future__ import annotations

from dataclasses import asdict

import pytest

from benchmark.pricing import (
    Usage,
    beacon_usage,
    cost_breakdown,
    cost_per_million_views,
    original_usage,
    per_million,
    total,
)
from benchmark.trace import TraceView, mix

COMPONENTS = {
    "api_gateway_messages",
    "api_gateway_connection_minutes",
    "api_gateway_http_requests",
    "lambda_requests",
    "lambda_duration",
    "sns",
    "sqs",
    "dynamodb_writes",
    "dynamodb_reads",
    "logs",
}


def view(path: str, article: str | None = None, referrer: str | None = None, dwell: float = 60.0) -> TraceView:
    return TraceView(0.0, path, article, article, False, referrer, readers=0, dwell_seconds=dwell)


def test_a_small_usage_is_priced_by_the_list_prices():
    usage = Usage(
        ws_messages_in=3_000_000,
        ws_messages_out=1_000_000,
        connection_minutes=4_000_000,
        http_requests=3_000_000,
        lambda_invocations=10_000_000,
        lambda_gb_seconds=1_000,
        lambda_gb_seconds_x86=600,
        sns_publishes=2_000_000,
        sqs_requests=5_000_000,
        dynamodb_wru=8_000_000,
        dynamodb_rru=8_000_000,
        log_bytes=3_000_000_000,
    )
    breakdown = cost_breakdown(usage)

    assert breakdown == pytest.approx(
        {
            "api_gateway_messages": 4.0,  # 4 M messages at 1.00
            "api_gateway_connection_minutes": 1.0,  # 4 M minutes at 0.25
            "api_gateway_http_requests": 3.0,  # 3 M HTTP API requests at 1.00
            "lambda_requests": 2.0,  # 10 M at 0.20
            "lambda_duration": 0.0133334 + 0.01000002,  # 1,000 GB-s arm64 + 600 GB-s x86_64
            "sns": 1.0,  # 2 M at 0.50
            "sqs": 2.0,  # 5 M at 0.40
            "dynamodb_writes": 5.0,  # 8 M WRU at 0.625
            "dynamodb_reads": 1.0,  # 8 M RRU at 0.125
            "logs": 1.5,  # 3 GB at 0.50
        }
    )
    assert total(breakdown) == pytest.approx(20.52333342)


def test_no_usage_costs_nothing_in_every_component():
    breakdown = cost_breakdown(Usage())

    assert set(breakdown) == COMPONENTS
    assert total(breakdown) == 0


def test_negative_usage_is_refused():
    with pytest.raises(ValueError, match="sqs_requests"):
        Usage(sqs_requests=-1)


def test_cost_is_scaled_to_a_million_views():
    usage = Usage(sns_publishes=400_000)  # 0.20 USD

    assert per_million(3.0, 500_000) == pytest.approx(6.0)
    assert per_million(3.0, 1_000_000) == pytest.approx(3.0)
    assert cost_per_million_views(usage, 200_000) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        per_million(1.0, 0)


def test_original_usage_of_a_small_trace():
    trace = [
        view("/posts/a", "a", dwell=60),
        view("/posts/b", "b", dwell=120),
        view("/posts/a", "a", dwell=30),
        view("/", referrer="https://news.ycombinator.com/item?id=1", dwell=90),
    ]
    # By hand from the per-view table, b = 10, b' = 5: 3 post views, 1 home view, 4 connections.
    expected = Usage(
        ws_messages_in=4,
        ws_messages_out=3,
        connection_minutes=5,  # 300 s
        lambda_invocations=3 * (1 + 0.1 + 0.2) + 1 * (1 + 0.1) + 4,
        lambda_gb_seconds=0,
        lambda_gb_seconds_x86=0.125 * (4 * 0.060 + (0.4 + 0.6 + 4) * 0.020),  # 0.0425
        sns_publishes=4,
        sqs_requests=4 * 1.2,
        dynamodb_wru=2 + 2 + 1 + 1,  # writer (a, b in one batch), reader copies, referrer, home
        dynamodb_rru=1.5,
        log_bytes=3 * 2_000 + 1_500,
    )

    assert asdict(original_usage(mix(trace))) == pytest.approx(asdict(expected))


def test_original_writes_follow_the_articles_in_each_batch():
    one_article = [view("/posts/hot", "hot") for _ in range(20)]
    twenty_articles = [view(f"/posts/p{i}", f"p{i}") for i in range(20)]

    # Two batches of 10: one write each for a single article, ten each for ten articles; each copied to the reader.
    assert original_usage(mix(one_article)).dynamodb_wru == 2 * 2
    assert original_usage(mix(twenty_articles)).dynamodb_wru == 2 * 20


def test_original_post_views_of_distinct_articles_cost_what_the_table_adds_up_to():
    posts = [view(f"/posts/p{i}", f"p{i}", dwell=0) for i in range(1_000)]
    cost = cost_per_million_views(original_usage(mix(posts)), len(posts))

    # Per million post views, every one its own write: messages 2 x 1.00, logs 2 GB x 0.50, writes 2 M x 0.625,
    # SNS 0.50, SQS 1.2 M x 0.40, requests 2.3 M x 0.20, duration 10,750 GB-s x 0.0000166667, reads 0.5 M x 0.125.
    assert cost == pytest.approx(5.93, abs=0.01)


def test_a_beacon_view_is_one_post_and_two_gets_each_a_request_and_an_invocation():
    usage = beacon_usage(1_000_000, post_gb_seconds=0.002, get_gb_seconds=0.001)
    breakdown = cost_breakdown(usage)

    assert (usage.http_requests, usage.lambda_invocations) == (3_000_000, 3_000_000)
    assert breakdown["api_gateway_http_requests"] == pytest.approx(3.0)
    assert breakdown["lambda_requests"] == pytest.approx(0.6)
    assert breakdown["lambda_duration"] == pytest.approx(4_000 * 0.0000133334)
    # No WebSocket message, push or connection minute.
    assert breakdown["api_gateway_messages"] == breakdown["api_gateway_connection_minutes"] == 0
