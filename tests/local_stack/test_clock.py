"""Tests only: VIEWCOUNT_LOCAL_CLOCK_FILE shifts the time the emulated gateways stamp on a
request, and so the day a view counts in, while the functions run at real time."""

from __future__ import annotations

import dataclasses
import json
import time
from collections import defaultdict
from datetime import UTC, datetime
from unittest.mock import Mock

import pytest
from moto import mock_aws

from local_stack import clock
from local_stack.gateway import Gateway, OpenConnection
from local_stack.http_api import http_event
from tests.conftest import CHROME
from tests.integration.pipeline import Pipeline
from viewcount.sites import Sites, shift_day
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import PageCountsTable
from viewcount.use_cases.read_history import read_history

ORIGIN = "https://blog.example.com"
DAY = 86400


def zone_near_noon() -> str:
    """A time zone where it is about noon now: no midnight falls within a test, and a view
    stamped a day back is well within the 48 hours its consumer still records it in."""
    hours = 12 - datetime.now(UTC).hour  # -11..12
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"  # Etc/GMT-3 is UTC+3


@pytest.fixture
def clock_file(tmp_path, monkeypatch):
    path = tmp_path / "clock"
    monkeypatch.setenv(clock.CLOCK_FILE_VARIABLE, str(path))
    return path


def set_offset(path, seconds: float) -> None:
    """As a test should: write another file and rename it over the clock file."""
    staged = path.with_suffix(".new")
    staged.write_text(f"{seconds}\n")
    staged.replace(path)


# ---- the clock -----------------------------------------------------------------------


def test_without_the_variable_the_clock_is_real_time(monkeypatch):
    monkeypatch.delenv(clock.CLOCK_FILE_VARIABLE, raising=False)
    before = time.time()
    assert before <= clock.now() <= time.time()
    assert clock.describe() is None


def test_no_file_or_an_empty_file_is_no_offset(clock_file):
    assert clock.offset_seconds() == 0
    clock_file.write_text("  \n")
    assert clock.offset_seconds() == 0


def test_the_offset_is_read_on_every_stamp(clock_file):
    set_offset(clock_file, -DAY)
    assert abs(clock.now() - (time.time() - DAY)) < 1
    set_offset(clock_file, 90.5)
    assert abs(clock.now() - (time.time() + 90.5)) < 1
    assert "+90.5 s" in clock.describe()


@pytest.mark.parametrize("text", ["yesterday", "-1 day", "nan", "inf", "1e400"])
def test_a_file_that_holds_no_offset_is_an_error_not_real_time(clock_file, text):
    clock_file.write_text(text)
    with pytest.raises(clock.ClockFileError, match=clock.CLOCK_FILE_VARIABLE):
        clock.now()


# ---- the stamps ----------------------------------------------------------------------


def test_the_websocket_gateway_stamps_events_with_the_shifted_time(clock_file):
    set_offset(clock_file, -DAY)
    gateway = Gateway(defaultdict(Mock), stage="local", host="127.0.0.1", port=1, management_port=2)
    connection = OpenConnection("c1=", websocket=Mock(), connected_at_ms=0, source_ip="203.0.113.7", user_agent="")

    context = gateway._request_context("views", "MESSAGE", connection)

    shifted = time.time() - DAY
    assert abs(context["requestTimeEpoch"] / 1000 - shifted) < 2
    stamped = datetime.strptime(context["requestTime"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
    assert abs(stamped - shifted) < 2


def test_the_http_api_stamps_events_with_the_shifted_time(clock_file):
    set_offset(clock_file, 3 * 3600)
    event = http_event("POST", "/views", [], b"", "203.0.113.7", "127.0.0.1:8082")

    shifted = time.time() + 3 * 3600
    assert abs(event["requestContext"]["timeEpoch"] / 1000 - shifted) < 2
    stamped = datetime.strptime(event["requestContext"]["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
    assert abs(stamped - shifted) < 2


# ---- the day a view counts in ----------------------------------------------------------


def beacon(path: str, address: str) -> dict:
    """A view by `POST /views`, as the emulated HTTP API makes its event (and stamps it)."""
    body = json.dumps({"message": "views", "currentPage": path, "article": False}).encode()
    headers = [("Origin", ORIGIN), ("User-Agent", CHROME), ("Content-Type", "text/plain")]
    return http_event("POST", "/views", headers, body, address, "127.0.0.1:8082")


def test_a_view_stamped_a_day_back_counts_on_yesterday_in_the_sites_history(local_config, clock_file):
    """The consumers and the counting function run at real time: the view is recorded, added to
    yesterday's block, and that finished block is moved to History, where a range read finds it."""
    with mock_aws():
        site = dataclasses.replace(local_config.sites.default, time_zone=zone_near_noon())
        pipeline = Pipeline(dataclasses.replace(local_config, sites=Sites((site,))), {}, seed=0)
        views = pipeline.functions["http_views"]
        today = site.day_of(time.time())
        yesterday = shift_day(today, -1)

        set_offset(clock_file, -DAY)
        for address in ("203.0.113.7", "203.0.113.8"):
            assert views.invoke(beacon("/tags/x/", address))["statusCode"] == 202
        set_offset(clock_file, 0)
        assert views.invoke(beacon("/tags/y/", "203.0.113.7"))["statusCode"] == 202
        pipeline.drain()

        names = pipeline.resources.table_names
        history = HistoryTable(pipeline.dynamodb, names["history"])
        report = read_history(PageCountsTable(pipeline.dynamodb, names["counts"]), history, site, yesterday, today)
        assert [(d.day, d.views, d.visitor_days) for d in report.days] == [(yesterday, 2, 2), (today, 1, 1)]
        # Yesterday is over for the counting function: its block is in History already.
        assert set(history.day(site.id, yesterday)) and not history.day(site.id, today)
