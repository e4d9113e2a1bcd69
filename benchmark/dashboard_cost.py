"""What one load of the dashboard costs in DynamoDB read units, on a site's history as the
counting function leaves it.

A load is four requests, each on a fresh instance, against moto: `GET /dashboard/sites`,
`GET /dashboard/stats` (the last `days` days, top 10; read_stats also reads the `days`
before), `POST /dashboard/tickets`, and the live WebSocket's `watch` (its first `live` frame).

The tables are seeded over 2 x `days` days with the counting function's own writes, day by
day: PageCountsTable.add_views (a page's counting write: its counts, title, sources and the
day's block; the site's) followed by KeepHistory.after_counting, which saves each finished
block to History (HistoryTable.save_block, `g:<generation>` maps), lists new pages in the
pages index and has the counter's next write drop the block; and tally_bot_view for the bots.
So today's views, and each page's last day, are blocks on the counters, as in AWS. A page no
view in the window reached was read the day before it, and is listed.

Views: the long tail draws `views_per_day` views a day over `pages` articles, Zipf 1.0
(benchmark.history_cost.long_tail_trace, spread over the days as history_cost spreads it);
every page every day (the docs' worst case) adds one view of each page a day left out. Views
keep the trace's reloads (25 %) and referrers (40 %, benchmark.trace.REFERRERS); a tenth of
the views without a referrer carry campaign tags (CAMPAIGNS).

Every DynamoDB call is counted through botocore hooks on the client (before-call and
after-call), with its units by DynamoDB's on-demand rules, item sizes by
local_stack.metering.item_size:
- reads are eventually consistent unless ConsistentRead: 0.5 RRU per 4 KB (1 when consistent);
- a Query (each page of it) sums its items' sizes, then rounds up to 4 KB (empty: 0.5 RRU);
- GetItem and BatchGetItem round each item up to 4 KB; a key not found costs 0.5 RRU;
- a write is 1 WRU per KB of the larger of the item before and after it.
A Scan fails the run (ScanRefused), and so does an operation these rules do not price.

    .venv/bin/python -m benchmark.dashboard_cost [--pages 1000] [--days 30]
        [--every-page-every-day | --long-tail] [--views-per-day 1000] [--readers 3] [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    # Run as a program: the functions' metrics have no CloudWatch here (set before they are imported).
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Viewcount/benchmark")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
ROOT = Path(__file__).resolve().parent.parent
for _folder in ("infra", "lambdas"):
    if str(ROOT / _folder) not in sys.path:
        sys.path.insert(0, str(ROOT / _folder))

from benchmark.history_cost import long_tail_trace, spread  # noqa: E402
from benchmark.pricing import MILLION, PRICES  # noqa: E402
from benchmark.trace import REFERRERS, TraceSettings, article_id, article_title  # noqa: E402
from local_stack.functions import REGION  # noqa: E402
from local_stack.metering import item_size, read_units, stored_item, write_units  # noqa: E402
from viewcount.bots import CRAWLER, HEADLESS, NO_USER_AGENT, WEBDRIVER  # noqa: E402
from viewcount.pages import Page  # noqa: E402
from viewcount.sites import Site, shift_day  # noqa: E402
from viewcount.tables.access import AccessTable  # noqa: E402
from viewcount.tables.history import HistoryTable  # noqa: E402
from viewcount.tables.page_counts import (  # noqa: E402
    TOTAL_VIEWS,
    PageCountsTable,
    bots_key,
    counter_key,
    number,
    page_parts,
    site_key,
    site_parts,
    source_names,
)
from viewcount.tables.readers import CONNECTION_LIFETIME_SECONDS, Arrival, ReaderLog, ReadersTable  # noqa: E402
from viewcount.tables.visitor_days import LoggedView  # noqa: E402
from viewcount.use_cases.answer_dashboard import AnswerDashboard  # noqa: E402
from viewcount.use_cases.dashboard_access import DashboardAccess  # noqa: E402
from viewcount.use_cases.keep_history import KeepHistory  # noqa: E402
from viewcount.use_cases.watch_live import WatchLive  # noqa: E402
from viewcount.wire import referrer_host  # noqa: E402
from viewcount_infra.config import DeploymentConfig  # noqa: E402
from viewcount_infra.topology import ACCESS, COUNTS, HISTORY, READERS  # noqa: E402

SITES_ROUTE = "GET /dashboard/sites"
STATS_ROUTE = "GET /dashboard/stats"
TICKETS_ROUTE = "POST /dashboard/tickets"
WATCH = "watch (first live frame)"
REQUESTS = (SITES_ROUTE, STATS_ROUTE, TICKETS_ROUTE, WATCH)
OPERATIONS = ("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem")
READS = {"GetItem", "BatchGetItem", "Query"}

SITE_ORIGIN = "https://blog.example.com"
OWNER_KEY = "Owner0key0of0the0dashboard0benchmark0000"[:40]
VIEWER_IP = "203.0.113.7"
SHARD = "shardId-00000000000000000001"
TOP = 10
# The counting writes of a day are made at noon; the dashboard is loaded at 13:00 on the last day.
COUNTED_AT_SECONDS = 12 * 3600
LOADED_AT_SECONDS = 13 * 3600
# Of the views without a referrer, this share carries campaign tags, drawn from CAMPAIGNS by weight.
CAMPAIGN_SHARE = 0.10
CAMPAIGNS: tuple[tuple[tuple[tuple[str, str], ...], int], ...] = (
    ((("utm_source", "newsletter"), ("utm_medium", "email"), ("utm_campaign", "december")), 3),
    ((("utm_source", "mastodon"), ("utm_medium", "social")), 2),
    ((("utm_source", "rss"),), 1),
)
# Bot views a day, per reason: drawn uniformly from 0 to this.
BOTS_PER_DAY = {CRAWLER: 12, NO_USER_AGENT: 4, HEADLESS: 3, WEBDRIVER: 1}


class ScanRefused(AssertionError):
    """A Scan reached DynamoDB: the dashboard must read by key and by day only."""


class UnpricedCall(AssertionError):
    """A DynamoDB operation these rules do not price (a transaction, a batch write)."""


# ---- the scenario and its views ------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    pages: int = 1_000
    days: int = 30
    every_page_every_day: bool = True
    views_per_day: int = 1_000  # drawn Zipf 1.0; every page every day adds one view per page left out
    readers: int = 3  # connections reading while the dashboard loads, on the most read pages, one a page
    seed: int = 1

    def __post_init__(self) -> None:
        if self.pages < 1 or self.days < 1 or self.views_per_day < 0 or self.readers < 0:
            raise ValueError("pages and days must be at least 1, views_per_day and readers at least 0")

    @property
    def name(self) -> str:
        if self.every_page_every_day:
            return f"every page read every day ({self.views_per_day:,} Zipf views a day, plus one per page left out)"
        return f"long tail (Zipf 1.0, {self.views_per_day:,} views a day)"


@dataclass(frozen=True)
class DrawnView:
    day: int  # 0 to 2 x days - 1 (the previous period, then the range); -1 the day before
    article: str  # the article id: `post-007`
    refreshed: bool
    referrer: str | None
    campaign: tuple[tuple[str, str], ...] = ()


def draw_views(scenario: Scenario) -> list[DrawnView]:
    """The views of the 2 x days days, reproducibly from the scenario's seed."""
    span = 2 * scenario.days
    rng = random.Random(scenario.seed)
    campaign_weights = [weight for _, weight in CAMPAIGNS]

    def campaign(referrer: str | None) -> tuple[tuple[str, str], ...]:
        if referrer is None and rng.random() < CAMPAIGN_SHARE:
            return rng.choices(CAMPAIGNS, weights=campaign_weights)[0][0]
        return ()

    trace = long_tail_trace(scenario.pages, scenario.views_per_day, span) if scenario.views_per_day else []
    drawn = [
        DrawnView(day, str(view.article_id), view.refreshed, view.referrer, campaign(view.referrer))
        for day, view in spread(trace, span, scenario.seed)
    ]
    articles = [article_id(rank) for rank in range(1, scenario.pages + 1)]
    if scenario.every_page_every_day:
        settings = TraceSettings()
        hosts, weights = zip(*REFERRERS, strict=True)
        read = {(view.day, view.article) for view in drawn}
        for day in range(span):
            for article in articles:
                if (day, article) not in read:
                    referrer = (
                        rng.choices(hosts, weights=weights)[0] if rng.random() < settings.referrer_share else None
                    )
                    drawn.append(
                        DrawnView(day, article, rng.random() < settings.reload_share, referrer, campaign(referrer))
                    )
    ever_read = {view.article for view in drawn}
    drawn += [DrawnView(-1, article, False, None) for article in articles if article not in ever_read]
    return drawn


# ---- counting DynamoDB calls and their units -----------------------------------------


@dataclass(frozen=True)
class Call:
    request: str
    operation: str
    table: str  # the table's key in the topology: `history`, `counts`, ...
    rru: float
    wru: float
    target: str = ""  # a Query's partition; a BatchGetItem's number of keys; a GetItem's or a write's key


class CapacityMeter:
    """Counts a DynamoDB client's calls and their capacity units, by request."""

    def __init__(self, table_keys: dict[str, str]) -> None:
        self.table_keys = table_keys  # physical name -> key
        self.calls: list[Call] = []
        self.request = "(seeding)"
        self.counting = False
        self.call_seconds = 0.0  # spent in DynamoDB calls (moto's work, botocore's), counted or not

    def install(self, client: Any) -> None:
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    @contextmanager
    def counted(self, request: str) -> Iterator[None]:
        self.request, self.counting = request, True
        try:
            yield
        finally:
            self.request, self.counting = "(seeding)", False

    def _before(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if model.name == "Scan":
            raise ScanRefused(f"{self.request}: a Scan of {json.loads(params['body'] or b'{}').get('TableName')}")
        context["dashboard_cost_started"] = time.perf_counter()
        if not self.counting:
            return
        if model.name not in OPERATIONS:
            raise UnpricedCall(f"{self.request}: {model.name} is not priced here")
        request = json.loads(params["body"] or b"{}")
        context["dashboard_cost"] = request
        if model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            context["dashboard_cost_before"] = stored_item(request["TableName"], request.get("Key") or request["Item"])

    def _after(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if "dashboard_cost_started" in context:
            self.call_seconds += time.perf_counter() - context["dashboard_cost_started"]
        request = context.get("dashboard_cost")
        if request is None:
            return
        operation, failed = model.name, "Error" in parsed
        rru = wru = 0.0
        target = ""
        if operation == "GetItem":
            target = _key_text(request["Key"])
            item = _whole(request, request["TableName"], request["Key"], parsed.get("Item"))
            rru = read_units(item_size(item or {}), bool(request.get("ConsistentRead")))
        elif operation == "BatchGetItem":
            for table, asked in request["RequestItems"].items():
                consistent = bool(asked.get("ConsistentRead"))
                unprocessed = parsed.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
                processed = len(asked["Keys"]) - len(unprocessed)
                found = parsed.get("Responses", {}).get(table, [])
                if "ProjectionExpression" in asked:  # billed by the whole items
                    read = [k for k in asked["Keys"] if k not in unprocessed]
                    found = [item for item in (stored_item(table, key) for key in read) if item is not None]
                rru += sum(read_units(item_size(item), consistent) for item in found)
                rru += (processed - len(found)) * read_units(0, consistent)
                target = f"{len(asked['Keys'])} keys"
        elif operation == "Query":
            if "ProjectionExpression" in request or request.get("Select", "ALL_ATTRIBUTES") != "ALL_ATTRIBUTES":
                raise UnpricedCall(f"{self.request}: a Query that projects is billed by whole items, not priced here")
            target = next(iter(request.get("ExpressionAttributeValues", {}).values()), {}).get("S", "")
            size = sum(item_size(item) for item in parsed.get("Items", []))
            rru = read_units(size, bool(request.get("ConsistentRead")))
        else:
            key = request.get("Key") or request["Item"]
            target = _key_text(key)
            before = item_size(context.get("dashboard_cost_before") or {})
            after = 0 if failed else item_size(stored_item(request["TableName"], key) or {})
            wru = write_units(max(before, after))
        if failed and operation in READS:
            rru = 0.0
        table = self.table_keys.get(request.get("TableName", ""), "") or ",".join(
            self.table_keys.get(name, name) for name in request.get("RequestItems", {})
        )
        self.calls.append(Call(self.request, operation, table, rru, wru, target))


def _whole(request: dict[str, Any], table: str, key: dict[str, Any], item: dict[str, Any] | None) -> Any:
    """The item as a read is billed for it: whole, whatever it projected."""
    return stored_item(table, key) if item is not None and "ProjectionExpression" in request else item


def _key_text(key: dict[str, Any]) -> str:
    return "/".join(str(next(iter(value.values()))) for _, value in sorted(key.items()))


# ---- the seeded tables ---------------------------------------------------------------


@dataclass
class Seeded:
    """What the tables hold, to tell what a load had to read."""

    first: str  # the range's first day; it ends today
    today: str
    previous_first: str
    pages: int
    views: int  # in the range
    previous_views: int  # in the previous period
    today_views: int
    page_days: int  # (page, day) pairs with views in the 2 x days days
    history_items: int  # History day items of the 2 x days days, pages' and the site's
    history_item_bytes: float  # their mean size
    counters: int  # the pages' and the site's
    counter_bytes: float  # their mean size
    counter_bytes_max: int
    bot_days: int  # days with a bots item, in the 2 x days days
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "history_item_bytes": round(self.history_item_bytes),
            "counter_bytes": round(self.counter_bytes),
            "seconds": round(self.seconds, 1),
        }


@dataclass
class Bench:
    scenario: Scenario
    dynamodb: Any
    config: DeploymentConfig
    site: Site
    table_names: dict[str, str]
    meter: CapacityMeter
    now: int
    seeded: Seeded | None = None

    @property
    def counters(self) -> PageCountsTable:
        return PageCountsTable(self.dynamodb, self.table_names[COUNTS.key])

    @property
    def history(self) -> HistoryTable:
        return HistoryTable(self.dynamodb, self.table_names[HISTORY.key])

    def days(self) -> list[str]:
        """The previous period's days, then the range's, ending today."""
        today = self.site.day_of(self.now)
        return [shift_day(today, offset) for offset in range(1 - 2 * self.scenario.days, 1)]


@contextmanager
def moto_tables(scenario: Scenario, today: str = "2026-12-07") -> Iterator[Bench]:
    """Fresh moto tables and the local deployment's site, with the meter on the client; the
    dashboard is loaded at 13:00 on `today`, the site's time."""
    import boto3
    from moto import mock_aws

    from local_stack import moto_speedups
    from local_stack.resources import create_resources

    moto_speedups.apply()
    with mock_aws():
        session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION)
        moto_speedups.skip_signing(session)
        dynamodb = session.client("dynamodb")
        config = DeploymentConfig.load("local", {"LOCAL_CLIENT_URL": SITE_ORIGIN})
        sns, sqs, secrets = (session.client(name) for name in ("sns", "sqs", "secretsmanager"))
        resources = create_resources(config, dynamodb, sns, sqs, secretsmanager=secrets)
        meter = CapacityMeter({name: key for key, name in resources.table_names.items()})
        meter.install(dynamodb)
        site = config.sites.default
        now = site.day_start(today) + LOADED_AT_SECONDS
        yield Bench(scenario, dynamodb, config, site, dict(resources.table_names), meter, now)


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def seed(bench: Bench, views: list[DrawnView] | None = None, progress: Callable[[str], None] | None = None) -> Seeded:
    """Count the scenario's views day by day as the counting function does, with its history
    kept; log the readers of now. `progress` hears of every tenth day."""
    started = time.perf_counter()
    views = draw_views(bench.scenario) if views is None else views
    days = bench.days()
    counting = _Counting(bench)
    by_day: dict[int, list[DrawnView]] = {}
    for view in views:
        by_day.setdefault(view.day, []).append(view)
    # The functions' metrics (KeepHistory counts the days it moves) print to stdout: not ours.
    with redirect_stdout(_Discard()):
        for done, index in enumerate(sorted(by_day), 1):
            counting.count_day(days[index] if index >= 0 else shift_day(days[0], -1), by_day[index])
            if index >= 0:
                counting.tally_bots(days[index])
            if progress and (done % 10 == 0 or done == len(by_day)):
                progress(f"{done} of {len(by_day)} days counted")
    _log_readers(bench, views)
    bench.seeded = _seeded(bench, views, time.perf_counter() - started)
    return bench.seeded


class _Counting:
    """The counting function's writes for a day's views, in one batch at noon: each page's
    counting write, the site's, then the history kept (finished blocks saved, new pages
    listed, the blocks saved dropped by each counter's next write)."""

    def __init__(self, bench: Bench) -> None:
        self.site = bench.site
        self.counters = bench.counters
        self.keep = KeepHistory(self.counters, bench.history, bench.config.sites)
        self.known: dict[str, frozenset[str]] = {}  # each page's sources, as its last write left them
        self.sequence = 0
        self.rng = random.Random(bench.scenario.seed + 1)

    def count_day(self, day: str, views: list[DrawnView]) -> None:
        at = self.site.day_start(day) + COUNTED_AT_SECONDS
        pages: dict[str, list[LoggedView]] = {}
        for view in views:
            self.sequence += 1
            key = counter_key(self.site.id, Page.post(view.article))
            pages.setdefault(key, []).append(
                LoggedView(
                    str(self.sequence),
                    key,
                    day,
                    unique=not view.refreshed,
                    site_unique=not view.refreshed,
                    article_title=article_title(int(view.article.removeprefix("post-"))),
                    referrer_host=referrer_host(view.referrer),
                    viewed_at=at,
                    campaign=view.campaign,
                )
            )
        items, created = {}, 0
        for key, page_views in sorted(pages.items()):
            parts = page_parts(SHARD, self.known.get(key, frozenset()))
            item = self.counters.add_views(key, page_views, SHARD, parts, now=at, upkeep=self.keep.upkeep_for(key))
            self.known[key] = source_names(item)
            created += number(item, TOTAL_VIEWS) == len(page_views)
            items[key] = item
        everyone = sorted((view for page_views in pages.values() for view in page_views), key=lambda v: v.sequence)
        key = site_key(self.site.id)
        parts = site_parts(SHARD, created)
        items[key] = self.counters.add_views(key, everyone, SHARD, parts, now=at, upkeep=self.keep.upkeep_for(key))
        self.keep.after_counting(items, at)

    def tally_bots(self, day: str) -> None:
        for reason, most in BOTS_PER_DAY.items():
            for _ in range(self.rng.randint(0, most)):
                self.counters.tally_bot_view(self.site.id, reason, day)


def _log_readers(bench: Bench, views: list[DrawnView]) -> None:
    """`readers` connections on the most read pages (one a page, from the most read on), logged
    a minute ago."""
    read = Counter(view.article for view in views)
    ranked = sorted(read, key=lambda article: (-read[article], article))
    at = bench.now - 60
    arrived = {
        f"reader-{index}=": Arrival(
            counter_key(bench.site.id, Page.post(ranked[index % len(ranked)])), at + CONNECTION_LIFETIME_SECONDS
        )
        for index in range(bench.scenario.readers)
    }
    if arrived:
        ReaderLog(ReadersTable(bench.dynamodb, bench.table_names[READERS.key])).write(arrived, at)


def _seeded(bench: Bench, views: list[DrawnView], seconds: float) -> Seeded:
    days, span = bench.days(), bench.scenario.days
    history, counters = bench.history, bench.counters
    day_items = [item for day in days for item in history.day(bench.site.id, day).values()]
    keys = [counter_key(bench.site.id, part) for part in history.pages(bench.site.id)] + [site_key(bench.site.id)]
    counter_items = list(counters.get_items(keys).values())
    bots = counters.get_items([bots_key(bench.site.id, day) for day in days])
    counter_sizes = [item_size(item) for item in counter_items]
    return Seeded(
        first=days[span],
        today=days[-1],
        previous_first=days[0],
        pages=bench.scenario.pages,
        views=sum(1 for view in views if view.day >= span),
        previous_views=sum(1 for view in views if 0 <= view.day < span),
        today_views=sum(1 for view in views if view.day == 2 * span - 1),
        page_days=len({(view.day, view.article) for view in views if view.day >= 0}),
        history_items=len(day_items),
        history_item_bytes=statistics.fmean(item_size(item) for item in day_items) if day_items else 0.0,
        counters=len(counter_items),
        counter_bytes=statistics.fmean(counter_sizes),
        counter_bytes_max=max(counter_sizes),
        bot_days=len(bots),
        seconds=seconds,
    )


# ---- one dashboard load --------------------------------------------------------------


@dataclass
class Load:
    calls: list[Call]  # the metered load's
    answers: dict[str, Any]  # the metered load's, by request
    seconds: dict[str, list[float]] = field(default_factory=dict)  # each timed load's, by request
    # The same, less the time spent in DynamoDB calls: the function's own work.
    own_seconds: dict[str, list[float]] = field(default_factory=dict)


def load_requests(bench: Bench, run: int) -> list[tuple[str, Callable[[], Any]]]:
    """The requests of one dashboard load, each on an instance of its own that starts cold."""
    site, now = bench.site, bench.now
    access = DashboardAccess(AccessTable(bench.dynamodb, bench.table_names[ACCESS.key]), OWNER_KEY, bench.config.sites)
    dashboard = AnswerDashboard(bench.counters, bench.history, access)
    live = WatchLive(bench.counters, ReaderLog(ReadersTable(bench.dynamodb, bench.table_names[READERS.key])))
    authorization = f"Bearer {OWNER_KEY}"
    today = site.day_of(now)
    stats = {"site": site.id, "from": shift_day(today, 1 - bench.scenario.days), "to": today, "top": str(TOP)}
    ticket = json.dumps({"site": site.id})

    def answer(route: str, query: dict[str, str], body: str | None) -> Callable[[], Any]:
        return lambda: dashboard.answer(route, query, body, authorization, VIEWER_IP, now)

    return [
        (SITES_ROUTE, answer(SITES_ROUTE, {}, None)),
        (STATS_ROUTE, answer(STATS_ROUTE, stats, None)),
        (TICKETS_ROUTE, answer(TICKETS_ROUTE, {}, ticket)),
        (WATCH, lambda: live.watch(site, f"dashboard-{run}=", now - 2, now)),
    ]


def measure(bench: Bench, runs: int = 3) -> Load:
    """One metered load, then `runs` timed ones (without the meter's own work)."""
    meter = bench.meter
    meter.calls = []
    answers = {}
    for name, request in load_requests(bench, 0):
        with meter.counted(name):
            answers[name] = request()
    load = Load(list(meter.calls), answers, {name: [] for name in REQUESTS}, {name: [] for name in REQUESTS})
    for run in range(1, runs + 1):
        for name, request in load_requests(bench, run):
            meter.call_seconds = 0.0
            started = time.perf_counter()
            request()
            elapsed = time.perf_counter() - started
            load.seconds[name].append(elapsed)
            load.own_seconds[name].append(max(0.0, elapsed - meter.call_seconds))
    return load


def check_answers(seeded: Seeded, load: Load) -> None:
    """The load read what was seeded (AssertionError if not): the stats' views of the range
    and of the previous period, and the live frame's views today."""
    stats, live = load.answers[STATS_ROUTE], load.answers[WATCH]
    read = (stats["totals"]["views"], stats["previous"]["totals"]["views"], live["views"])
    seeded_views = (seeded.views, seeded.previous_views, seeded.today_views)
    if read != seeded_views:
        raise AssertionError(f"the dashboard read {read} views (range, previous, today); {seeded_views} were seeded")


# ---- the report ----------------------------------------------------------------------


def summary(scenario: Scenario, seeded: Seeded, load: Load) -> dict[str, Any]:
    def figures(calls: list[Call]) -> dict[str, Any]:
        by_operation: dict[str, dict[str, float]] = {}
        for call in calls:
            entry = by_operation.setdefault(call.operation, {"calls": 0, "rru": 0.0, "wru": 0.0})
            entry["calls"] += 1
            entry["rru"] += call.rru
            entry["wru"] += call.wru
        ordered = {op: by_operation[op] for op in OPERATIONS if op in by_operation}
        return {
            "calls": len(calls),
            "rru": sum(call.rru for call in calls),
            "wru": sum(call.wru for call in calls),
            "operations": ordered,
        }

    def median(times: list[float]) -> float | None:
        return round(statistics.median(times), 4) if times else None

    requests = {name: figures([call for call in load.calls if call.request == name]) for name in REQUESTS}
    for name, entry in requests.items():
        entry["seconds_median"] = median(load.seconds.get(name, []))
        entry["own_seconds_median"] = median(load.own_seconds.get(name, []))
    total = figures(load.calls)
    usd_rru = total["rru"] / MILLION * PRICES["dynamodb_rru_per_million"]
    usd_wru = total["wru"] / MILLION * PRICES["dynamodb_wru_per_million"]
    runs = len(next(iter(load.seconds.values()), []))
    per_load = [sum(times) for times in zip(*load.seconds.values(), strict=True)]
    own_per_load = [sum(times) for times in zip(*load.own_seconds.values(), strict=True)]
    return {
        "scenario": scenario.name,
        "pages": scenario.pages,
        "days": scenario.days,
        "range": {"from": seeded.first, "to": seeded.today},
        "previous": {"from": seeded.previous_first, "to": shift_day(seeded.first, -1)},
        "seeded": seeded.as_json(),
        "requests": requests,
        "total": {
            **total,
            "usd_rru": usd_rru,
            "usd_wru": usd_wru,
            "usd": usd_rru + usd_wru,
            "rru_price_per_million": PRICES["dynamodb_rru_per_million"],
            "wru_price_per_million": PRICES["dynamodb_wru_per_million"],
        },
        "runs": runs,
        "seconds_median": median(per_load),  # in moto, on this machine
        "own_seconds_median": median(own_per_load),  # less the time in DynamoDB calls
    }


def _units(value: float) -> str:
    return f"{value:,.1f}".removesuffix(".0")


def _row(
    label: str, operation: str, figures: dict[str, Any], seconds: float | None = None, own: float | None = None
) -> str:
    timing = f"{seconds:.3f}" if seconds is not None else ""
    own_timing = f"{own:.3f}" if own is not None else ""
    return (
        f"{label:<28}{operation:<14}{figures['calls']:>7,}{_units(figures['rru']):>10}"
        f"{_units(figures['wru']):>6}{timing:>10}{own_timing:>10}"
    ).rstrip()


def print_table(report: dict[str, Any]) -> None:
    seeded, total = report["seeded"], report["total"]
    print(f"One dashboard load: {report['pages']:,} pages, {report['scenario']}")
    print(
        f"  stats of {report['range']['from']} to {report['range']['to']} ({report['days']} days, top {TOP}) "
        f"and of {report['previous']['from']} to {report['previous']['to']}"
    )
    print(
        f"  seeded: {seeded['page_days']:,} page-days, {seeded['history_items']:,} History day items "
        f"(mean {seeded['history_item_bytes']} B), {seeded['counters']:,} counters (mean {seeded['counter_bytes']} B, "
        f"max {seeded['counter_bytes_max']:,} B), {seeded['bot_days']} bot days; {seeded['views']:,} views in the range"
    )
    print()
    header = f"{'request':<28}{'operation':<14}{'calls':>7}{'RRU':>10}{'WRU':>6}{'seconds':>10}{'own s':>10}"
    print(header)
    print("-" * len(header))
    for name, entry in report["requests"].items():
        for index, (operation, figures) in enumerate(entry["operations"].items()):
            print(_row("" if index else name, operation, figures))
        print(_row("", "(request)", entry, entry["seconds_median"], entry["own_seconds_median"]))
    print("-" * len(header))
    for index, (operation, figures) in enumerate(total["operations"].items()):
        print(_row("" if index else "all requests", operation, figures))
    print(_row("total", "", total, report["seconds_median"], report["own_seconds_median"]))
    print()
    print(
        f"USD: {total['usd_rru']:.7f} for reads (RRU at {total['rru_price_per_million']} per million) + "
        f"{total['usd_wru']:.7f} for writes (WRU at {total['wru_price_per_million']}) = {total['usd']:.7f} a load"
    )
    print(
        f"seconds: on this machine, in moto, the median of {report['runs']} loads, each request on a fresh instance; "
        "own s: less the time in DynamoDB calls (moto's Query walks the whole table: its time is not AWS's)"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.dashboard_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=30, help="the range; the previous period is as long")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument(
        "--every-page-every-day", action="store_true", help="every page read every day (the docs' worst case; default)"
    )
    shape.add_argument("--long-tail", action="store_true", help="only the pages the Zipf draws read each day")
    parser.add_argument("--views-per-day", type=int, default=1_000, help="views drawn a day, Zipf 1.0 (default 1000)")
    parser.add_argument("--readers", type=int, default=3, help="connections reading a page during the load (default 3)")
    parser.add_argument("--runs", type=int, default=3, help="timed loads after the metered one (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        scenario = Scenario(
            pages=args.pages,
            days=args.days,
            every_page_every_day=not args.long_tail,
            views_per_day=args.views_per_day,
            readers=args.readers,
            seed=args.seed,
        )
    except ValueError as error:
        parser.error(str(error))
    progress = f"dashboard_cost: seeding {scenario.pages:,} pages over {2 * scenario.days} days"
    print(progress, file=sys.stderr, flush=True)
    with moto_tables(scenario) as bench:
        seeded = seed(bench, progress=lambda done: print(f"dashboard_cost: {done}", file=sys.stderr, flush=True))
        print(f"dashboard_cost: seeded in {seeded.seconds:.0f} s; loading the dashboard", file=sys.stderr, flush=True)
        load = measure(bench, args.runs)
        check_answers(seeded, load)
        report = summary(scenario, seeded, load)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
