"""History per day: a day's views ride on the counters while it runs, move to the History
table once it is over, each exactly once, late views included; a range read adds them up
without scanning; imports replace, never add. Time is injected, never waited for."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import pytest
from moto import mock_aws

from tests.conftest import CHROME, load_event, sent_frames
from tests.integration.pipeline import Pipeline
from viewcount.sites import Site, SiteOrigin, Sites
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import PageCountsTable, counts_of
from viewcount.use_cases.import_counts import Imported, ImportPlan, ImportRefused, import_counts
from viewcount.use_cases.read_history import RangeRefused, read_history
from viewcount.use_cases.read_stats import read_stats
from viewcount_infra.topology import COUNT_VIEWS

ORIGIN = "https://blog.example.com"


def epoch(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text).timestamp())


class Stack:
    """The whole pipeline on moto, its functions' clocks set by the test."""

    def __init__(self, local_config, site: Site) -> None:
        self.site = site
        self.config = dataclasses.replace(local_config, sites=Sites((site,)))
        self.pipeline = Pipeline(self.config, {}, seed=0)
        self.now = 0
        clock = SimpleNamespace(time=lambda: self.now)
        for function in self.pipeline.functions.values():
            if hasattr(function.module, "time"):
                function.module.time = clock
        names = self.pipeline.resources.table_names
        self.counters = PageCountsTable(self.pipeline.dynamodb, names["counts"])
        self.history = HistoryTable(self.pipeline.dynamodb, names["history"])
        self.sent = 0

    def view(self, at: int, page: str = "/tags/x/", *, ip: str = "203.0.113.7", referrer: str | None = None) -> None:
        """A reader's view sent at `at`, counted by the time the call returns (the functions'
        clock is then `at` plus a few seconds)."""
        self.sent += 1
        event = load_event("ws_views.json")
        event["requestContext"].update(
            messageId=f"m{self.sent}=",
            connectionId=f"c{self.sent}=",
            requestTimeEpoch=at * 1000,
            connectedAt=at * 1000 - 1000,
        )
        event["requestContext"]["identity"] = {"sourceIp": ip}
        event["requestContext"]["authorizer"] = {"userAgent": CHROME, "origin": ORIGIN}
        body = {"message": "views", "currentPage": page, "article": False}
        if referrer:
            body["referrer"] = referrer
        event["body"] = json.dumps(body)
        self.now = at + 3
        assert self.pipeline.functions["views"].invoke(event)["statusCode"] == 200
        self.pipeline.drain()

    def report(self, first: str, last: str, page: str | None = None):
        return read_history(self.counters, self.history, self.site, first, last, page)

    def moved(self, day: str) -> dict[str, dict]:
        """The history's items of a day, by page."""
        return self.history.day(self.site.id, day)


@pytest.fixture
def stack(local_config):
    with mock_aws():
        yield Stack(local_config, Site("blog", (SiteOrigin.parse(ORIGIN),)))


def series(report) -> list[tuple[str, int, int]]:
    return [(day.day, day.views, day.visitor_days) for day in report.days]


# ---- midnight ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("UTC", "2026-12-07", 24),
        ("Asia/Shanghai", "2026-12-07", 24),
        ("Europe/Berlin", "2026-03-29", 23),  # clocks go forward
        ("Europe/Berlin", "2026-10-25", 25),  # clocks go back
    ],
)
def test_views_on_both_sides_of_a_sites_midnight_land_on_two_days(local_config, zone, day, hours):
    with mock_aws():
        site = Site("blog", (SiteOrigin.parse(ORIGIN),), time_zone=zone)
        stack = Stack(local_config, site)
        start, end = site.day_start(day), site.day_end(day)
        assert end - start == hours * 3600

        stack.view(start - 1)  # the last second of the day before
        stack.view(start)  # the first second of the day
        stack.view(end - 1)  # its last second: 23 or 25 hours later, the same day
        stack.view(end)  # the next day's first second

        before, after = site.day_of(start - 1), site.day_of(end)
        assert before < day < after
        # One reader: one visitor a day, on each side of each midnight.
        assert series(stack.report(before, after)) == [(before, 1, 1), (day, 2, 1), (after, 1, 1)]


@pytest.mark.parametrize("day", ["2026-10-25", "2026-03-29"])
def test_the_48_hour_rule_holds_on_23_and_25_hour_days(local_config, day):
    """A view sent in its day's first second still counts when it is delivered 47 hours
    later (its visitor's day lives 48 hours from its day's start), and not at 48."""
    with mock_aws():
        site = Site("blog", (SiteOrigin.parse(ORIGIN),), time_zone="Europe/Berlin")
        stack = Stack(local_config, site)
        start = site.day_start(day)

        for delivered_after_hours, page in ((47, "/tags/x"), (48, "/tags/y")):
            event = load_event("ws_views.json")
            event["requestContext"].update(messageId=page, requestTimeEpoch=start * 1000, connectedAt=start * 1000)
            event["requestContext"]["authorizer"] = {"userAgent": CHROME, "origin": ORIGIN}
            event["body"] = json.dumps({"message": "views", "currentPage": page, "article": False})
            stack.now = start
            stack.pipeline.functions["views"].invoke(event)
            stack.now = start + delivered_after_hours * 3600  # the queue delivers it only now
            stack.pipeline.drain()

        report = stack.report(day, day)
        assert series(report) == [(day, 1, 1)] and [page.page for page in report.pages] == ["path#/tags/x"]


# ---- moving days, exactly once ------------------------------------------------------


def test_a_days_views_ride_on_the_counter_until_the_first_write_after_it_is_over(stack):
    day = "2026-12-07"
    start = stack.site.day_start(day)
    stack.view(start + 3600, referrer="https://news.example/")
    stack.view(start + 7200, page="/about/")

    assert stack.moved(day) == {}  # still today: nothing written but the counters
    counter = stack.pipeline.dynamodb.get_item(
        TableName=stack.pipeline.resources.table_names["counts"], Key={"pageKey": {"S": "blog#path#/tags/x"}}
    )["Item"]
    assert counter[f"{day}:totalViews"] == {"N": "1"} and counter[f"{day}:referrer:news.example"] == {"N": "1"}

    writes = []
    counting = stack.pipeline.functions["count_views"].module
    counting.dynamodb.meta.events.register("before-call.dynamodb", lambda model, **_: writes.append(model.name))
    stack.view(stack.site.day_end(day) + 900)  # the next day: /tags/x and the site move

    moved = stack.moved(day)
    assert set(moved) == {"path#/tags/x", "site"}  # /about was not viewed again: its day stays on its counter
    [block] = [value["M"] for name, value in moved["path#/tags/x"].items() if name.startswith("g:")]
    assert block == {"totalViews": {"N": "1"}, "uniqueViews": {"N": "1"}, "referrer:news.example": {"N": "1"}}
    assert int(moved["site"]["expiresAt"]["N"]) == stack.site.day_start(day) + 801 * 86_400
    # One write per moved day (the page's and the site's), besides the counting writes; the
    # counter drops the block with its next counting write, at no write of its own.
    assert writes.count("UpdateItem") == 2 + 2 and "DeleteItem" not in writes
    assert f"{day}:totalViews" in counter_of(stack, "blog#path#/tags/x")
    # Moved or not, the range reads the same.
    report = stack.report(day, day)
    assert series(report) == [(day, 2, 1)]
    assert [(page.page, page.views) for page in report.pages] == [("path#/about", 1), ("path#/tags/x", 1)]
    assert report.referrers == [("news.example", 1)]

    stack.view(stack.site.day_end(day) + 1900, ip="198.51.100.2")
    assert not [name for name in counter_of(stack, "blog#path#/tags/x") if name.startswith(day)]
    assert series(stack.report(day, day)) == [(day, 2, 1)]


def counter_of(stack: Stack, key: str) -> dict:
    return stack.pipeline.dynamodb.get_item(
        TableName=stack.pipeline.resources.table_names["counts"], Key={"pageKey": {"S": key}}
    )["Item"]


def stream_view(sequence: int, day: str, page_key: str = "blog#path#/a", connection: str = "c="):
    event = load_event("ddb_stream_visitor_days.json")
    record = event["Records"][0]
    image = record["dynamodb"]["NewImage"]
    image.update(pageKey={"S": page_key}, day={"S": day}, connectionId={"S": connection})
    image.pop("articleTitle", None)
    image.pop("referrerHost", None)
    image.pop("campaign", None)
    record["dynamodb"]["SequenceNumber"] = str(sequence)
    event["Records"] = [record]
    return event


@pytest.fixture
def counting(aws):
    """The counting function with its clock in the test's hands."""
    function = aws.handler(COUNT_VIEWS)
    clock = SimpleNamespace(now=0)
    function.time = SimpleNamespace(time=lambda: clock.now)
    function.clock = clock
    return function


def day_total(aws, day: str, part: str = "path#/a") -> int:
    site = aws.config.sites.default
    counters = PageCountsTable(aws.dynamodb, aws.resources.table_names["counts"])
    history = HistoryTable(aws.dynamodb, aws.resources.table_names["history"])
    report = read_history(counters, history, site, day, day, part)
    return report.days[0].views


def moved_blocks(aws, day: str, part: str = "path#/a") -> list[dict]:
    item = aws.item("history", {"siteDay": f"blog#{day}", "key": part}) or {}
    return [value["M"] for name, value in item.items() if name.startswith("g:")]


DAY, NEXT = "2026-12-07", "2026-12-08"
NOON, NEXT_NOON = epoch("2026-12-07T12:00:00+00:00"), epoch("2026-12-08T12:00:00+00:00")


def test_a_redelivered_view_counts_once_in_its_day_after_the_day_moved(aws, counting, context):
    counting.clock.now = NOON
    counting.handler(stream_view(100, DAY), context)
    counting.clock.now = NEXT_NOON
    counting.handler(stream_view(101, NEXT), context)  # the next day's view moves DAY
    assert len(moved_blocks(aws, DAY)) == 1

    counting.handler(stream_view(100, DAY), context)  # the stream delivers the first view again

    assert day_total(aws, DAY) == 1 and len(moved_blocks(aws, DAY)) == 1
    assert day_total(aws, NEXT) == 1


def test_a_view_that_comes_after_its_day_moved_counts_once_in_a_block_of_its_own(aws, counting, context):
    counting.clock.now = NOON
    counting.handler(stream_view(100, DAY), context)
    counting.clock.now = NEXT_NOON
    counting.handler(stream_view(101, NEXT), context)

    late = stream_view(102, DAY)  # sent on DAY, counted only now (a DLQ redrive, say)
    counting.handler(late, context)
    counting.handler(late, context)  # and delivered twice

    assert day_total(aws, DAY) == 2
    # Its block had not left the counter yet: it joined it, and the block moved again, larger.
    assert [block["totalViews"]["N"] for block in moved_blocks(aws, DAY)] == ["2"]

    counting.handler(stream_view(103, NEXT), context)  # this write takes DAY's block off the counter
    later = stream_view(104, DAY)  # later still: a block of its own, with a generation of its own
    counting.handler(later, context)
    counting.handler(later, context)

    assert day_total(aws, DAY) == 3
    assert sorted(block["totalViews"]["N"] for block in moved_blocks(aws, DAY)) == ["1", "2"]


def cold(aws, clock_at: int):
    """A new instance of the counting function: it remembers nothing of the last one."""
    function = aws.handler(COUNT_VIEWS)
    function.time = SimpleNamespace(time=lambda: clock_at)
    return function


def test_an_instance_gone_cold_between_saving_a_block_and_removing_it_saves_it_again_and_counts_once(aws, context):
    cold(aws, NOON).handler(stream_view(100, DAY), context)
    cold(aws, NEXT_NOON).handler(stream_view(101, NEXT), context)  # saves DAY's block, then goes
    assert len(moved_blocks(aws, DAY)) == 1 and day_total(aws, DAY) == 1  # on both, read once

    cold(aws, NEXT_NOON).handler(stream_view(102, NEXT), context)  # finds it again: saves it again

    assert len(moved_blocks(aws, DAY)) == 1 and day_total(aws, DAY) == 1
    assert f"{DAY}:totalViews" in aws.item("counts", {"pageKey": "blog#path#/a"})


def test_a_counter_holding_two_finished_days_has_them_removed_at_once(aws, context):
    day_after = "2026-12-09"
    cold(aws, NOON).handler(stream_view(100, DAY), context)
    cold(aws, NEXT_NOON).handler(stream_view(101, NEXT), context)
    cold(aws, NEXT_NOON + 86_400).handler(stream_view(102, day_after), context)

    counter = aws.item("counts", {"pageKey": "blog#path#/a"})
    assert not [name for name in counter if name.startswith((DAY, NEXT))] and f"{day_after}:gen" in counter
    assert (day_total(aws, DAY), day_total(aws, NEXT), day_total(aws, day_after)) == (1, 1, 1)


def test_a_block_that_gained_a_late_view_is_not_removed_but_moved_again(aws, counting, context):
    counting.clock.now = NOON
    counting.handler(stream_view(100, DAY, connection="a="), context)
    counting.clock.now = NEXT_NOON
    counting.handler(stream_view(101, NEXT, connection="b="), context)  # saves DAY, its removal rides next
    counting.handler(stream_view(102, DAY, page_key="blog#path#/other"), context)
    other = cold(aws, NEXT_NOON)
    other.handler(stream_view(103, DAY, connection="c="), context)  # another instance: a late view of DAY

    counting.handler(stream_view(104, NEXT, connection="d="), context)  # carries the removal: refused, kept

    assert day_total(aws, DAY) == 2 and day_total(aws, NEXT) == 2
    counting.handler(stream_view(105, NEXT, connection="e="), context)
    assert day_total(aws, DAY) == 2


def test_a_stale_copy_of_a_block_never_replaces_a_larger_one(aws):
    site = aws.config.sites.default
    history = HistoryTable(aws.dynamodb, aws.resources.table_names["history"])

    assert history.save_block(site, DAY, "path#/a", "gen1", {"totalViews": 3, "uniqueViews": 2})
    assert not history.save_block(site, DAY, "path#/a", "gen1", {"totalViews": 2, "uniqueViews": 2})
    assert history.save_block(site, DAY, "path#/a", "gen1", {"totalViews": 3, "uniqueViews": 2})

    assert moved_blocks(aws, DAY) == [{"totalViews": {"N": "3"}, "uniqueViews": {"N": "2"}}]


# ---- ranges -----------------------------------------------------------------------


def test_a_range_read_adds_up_a_trace_spread_over_days_without_a_scan(stack):
    trace = [
        # (day, hour, page, reader, referrer)
        ("2026-12-01", 9, "/tags/x/", "1", "https://news.ycombinator.com/"),
        ("2026-12-01", 10, "/tags/x/", "2", None),
        ("2026-12-01", 11, "/about/", "1", None),
        ("2026-12-02", 9, "/tags/x/", "1", "https://news.ycombinator.com/"),
        ("2026-12-03", 9, "/archives/?utm_source=mail&utm_campaign=dec", "3", None),
        ("2026-12-03", 9, "/tags/x/", "3", "https://reddit.com/r/x"),
        ("2026-12-05", 9, "/about/", "2", None),
    ]
    for day, hour, page, reader, referrer in trace:
        stack.view(stack.site.day_start(day) + hour * 3600, page, ip=f"198.51.100.{reader}", referrer=referrer)
    calls = []
    stack.pipeline.dynamodb.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))

    report = stack.report("2026-12-01", "2026-12-05")

    assert series(report) == [
        ("2026-12-01", 3, 2),
        ("2026-12-02", 1, 1),
        ("2026-12-03", 2, 1),
        ("2026-12-04", 0, 0),
        ("2026-12-05", 1, 1),
    ]
    assert (report.views, report.visitor_days) == (7, 5)  # visitor-days: reader 1 counts on two days
    assert [(p.page, p.views, p.visitor_days) for p in report.pages] == [
        ("path#/tags/x", 4, 4),
        ("path#/about", 2, 2),
        ("path#/archives", 1, 1),
    ]
    assert report.referrers == [("news.ycombinator.com", 2), ("reddit.com", 1)]
    assert report.campaigns == [("utm_campaign", "dec", 1), ("utm_source", "mail", 1)]
    # A Query per day, one of the pages index, one BatchGetItem of the counters, one of the bots.
    assert "Scan" not in calls
    assert sorted(calls) == sorted(["Query"] * 6 + ["BatchGetItem"] * 2)

    one_page = stack.report("2026-12-01", "2026-12-05", "path#/tags/x")
    assert [day.views for day in one_page.days] == [2, 1, 1, 0, 0] and one_page.referrers[0] == (
        "news.ycombinator.com",
        2,
    )

    # Narrowed to a source, each period is read once: its days and the pages index, by period.
    calls.clear()
    narrowed = read_stats(
        stack.counters, stack.history, stack.site, "2026-12-03", "2026-12-05", source="referrer:reddit.com"
    )
    assert narrowed.as_json()["totals"]["views"] == 1
    assert calls.count("Query") == 2 * (3 + 1) and "Scan" not in calls


def test_a_range_read_that_would_scan_fails(stack, monkeypatch):
    """The test above counts calls; this one proves a Scan would be caught, not just absent."""
    stack.view(stack.site.day_start("2026-12-01") + 3600)

    def refuse_scan(model, **_):
        if model.name == "Scan":
            raise AssertionError("a range read scanned the table")

    stack.pipeline.dynamodb.meta.events.register("before-call.dynamodb", refuse_scan)
    original = stack.history.pages
    monkeypatch.setattr(
        stack.history,
        "pages",
        lambda site: (
            original(site)
            + [
                i["key"]["S"]
                for i in stack.pipeline.dynamodb.scan(TableName=stack.pipeline.resources.table_names["history"])[
                    "Items"
                ]
            ]
        ),
    )

    with pytest.raises(AssertionError, match="scanned"):
        stack.report("2026-12-01", "2026-12-01")


@pytest.mark.parametrize(
    ("first", "last", "message"), [("2026-12-02", "2026-12-01", "ends"), ("2024-01-01", "2026-12-01", "at most")]
)
def test_a_range_backwards_or_too_long_is_refused(stack, first, last, message):
    with pytest.raises(RangeRefused, match=message):
        stack.report(first, last)


# ---- imports --------------------------------------------------------------------------


def test_an_import_adds_to_what_is_shown_and_a_rerun_replaces_it(stack):
    day = "2026-12-07"
    stack.view(stack.site.day_start(day) + 3600)
    plan = ImportPlan(
        "busuanzi",
        lifetime={"path#/tags/x": Imported(100, 60), "site": Imported(1000, 400)},
        days={(day, "path#/tags/x"): Imported(5, 2, {"referrer:old.example": 5})},
    )

    import_counts(stack.counters, stack.history, stack.site, plan)
    import_counts(stack.counters, stack.history, stack.site, plan)  # again: replaces, never adds

    report = stack.report(day, day, "path#/tags/x")
    assert (report.views, report.visitor_days, report.referrers) == (6, 3, [("old.example", 5)])
    # Shown and pushed totals include imports: the next view's push says so.
    stack.view(stack.site.day_start(day) + 7200, ip="198.51.100.2")
    [push] = sent_frames(f"c{stack.sent}=")
    assert (push["totalViews"], push["site"]["totalViews"]) == (102, 1002)

    smaller = dataclasses.replace(plan, lifetime={"path#/tags/x": Imported(10, 6)}, days={})
    import_counts(stack.counters, stack.history, stack.site, smaller)
    item = stack.counters.get_items(["blog#path#/tags/x"])["blog#path#/tags/x"]
    assert counts_of(item).total_views == 12


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (ImportPlan("Busuanzi!"), "lower-case"),
        (ImportPlan("b", lifetime={"tags/x": Imported(1)}), "neither a page"),
        (ImportPlan("b", days={("2026-13-01", "site"): Imported(1)}), "not a day"),
        (ImportPlan("b", lifetime={"site": Imported(-1)}), "not negative"),
        (ImportPlan("b", lifetime={"site": Imported(1, sources={"evil": 1})}), "sources are"),
    ],
)
def test_an_import_that_cannot_be_taken_writes_nothing(stack, plan, message):
    with pytest.raises(ImportRefused, match=message):
        import_counts(stack.counters, stack.history, stack.site, plan)

    assert stack.pipeline.dynamodb.scan(TableName=stack.pipeline.resources.table_names["counts"])["Items"] == []


def test_a_retried_batch_saves_and_lists_nothing_again(aws, counting, context):
    counting.clock.now = NOON
    counting.handler(stream_view(100, DAY), context)
    counting.clock.now = NEXT_NOON
    moving = stream_view(101, NEXT)
    counting.handler(moving, context)  # lists nothing new, saves DAY's block
    writes = []
    counting.dynamodb.meta.events.register(
        "before-parameter-build.dynamodb", lambda params, model, **_: writes.append((model.name, params["TableName"]))
    )

    response = counting.handler(moving, context)  # the stream delivers the batch again

    history = aws.resources.table_names["history"]
    assert response["batchItemFailures"] == [] and ("UpdateItem", aws.resources.table_names["counts"]) in writes
    assert [write for write in writes if write[1] == history] == []
    assert day_total(aws, DAY) == 1 and len(moved_blocks(aws, DAY)) == 1
