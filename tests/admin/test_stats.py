"""`./admin.sh stats` and read_stats (what `GET /dashboard/stats` answers): a range against
the period of the same length before it, narrowed to a page or to a source, on moto's
tables as a deployed namespace and on a local stack's snapshot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from admin.__main__ import main
from admin.commands import change
from local_stack.resources import create_table
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import PageCountsTable
from viewcount.use_cases.read_history import RangeRefused
from viewcount.use_cases.read_stats import StatsRefused, read_stats
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import COUNTS, HISTORY, TABLES

ENV = {"PROD_CLIENT_URL": "https://blog.example.com", "LOCAL_CLIENT_URL": "https://blog.example.com"}
TODAY = date(2026, 11, 29)  # --days 3: 2026-11-27 to 29, against 2026-11-24 to 26


def tally(views: int, unique: int, sources: dict[str, int] | None = None) -> dict[str, Any]:
    numbers = {"totalViews": views, "uniqueViews": unique, **(sources or {})}
    return {"M": {name: {"N": str(value)} for name, value in numbers.items()}}


COUNTERS: list[dict[str, Any]] = [
    {"pageKey": {"S": "blog#post#hello-world"}, "articleTitle": {"S": "Hello, world"},
     "totalViews": {"N": "15"}, "uniqueViews": {"N": "7"}},
    # Today's views of /tags/x and of the site, still on their counters.
    {"pageKey": {"S": "blog#path#/tags/x"}, "totalViews": {"N": "9"}, "uniqueViews": {"N": "4"},
     "2026-11-29:totalViews": {"N": "2"}, "2026-11-29:uniqueViews": {"N": "1"}, "2026-11-29:gen": {"S": "t1"},
     "2026-11-29:referrer:news.example": {"N": "2"}},
    {"pageKey": {"S": "blog#site"}, "totalViews": {"N": "24"}, "uniqueViews": {"N": "10"},
     "2026-11-29:totalViews": {"N": "2"}, "2026-11-29:uniqueViews": {"N": "1"}, "2026-11-29:gen": {"S": "t0"}},
    {"pageKey": {"S": "blog#bots#2026-11-29"}, "headless": {"N": "12"}, "webdriver": {"N": "3"}},
    {"pageKey": {"S": "blog#bots#2026-11-25"}, "headless": {"N": "5"}},
]  # fmt: skip
DAYS: list[dict[str, Any]] = [
    {"siteDay": {"S": "blog#pages"}, "key": {"S": "post#hello-world"}},
    {"siteDay": {"S": "blog#pages"}, "key": {"S": "path#/tags/x"}},
    {"siteDay": {"S": "blog#2026-11-28"}, "key": {"S": "post#hello-world"},
     "g:a1": tally(5, 3, {"utm_source:mail": 1})},
    {"siteDay": {"S": "blog#2026-11-28"}, "key": {"S": "path#/tags/x"},
     "g:a2": tally(7, 3, {"referrer:news.example": 1})},
    {"siteDay": {"S": "blog#2026-11-28"}, "key": {"S": "site"}, "g:a3": tally(12, 5)},
    # The previous period: one day of one page, part of it an import's.
    {"siteDay": {"S": "blog#2026-11-25"}, "key": {"S": "post#hello-world"},
     "g:b1": tally(6, 2, {"referrer:news.example": 3}), "import:other": tally(4, 2, {"referrer:news.example": 1})},
    {"siteDay": {"S": "blog#2026-11-25"}, "key": {"S": "site"}, "g:b2": tally(6, 2), "import:other": tally(4, 2)},
]  # fmt: skip


class Tables:
    def __init__(self, client: Any, config: DeploymentConfig) -> None:
        self.client = client
        self.site = config.sites.default
        self.counters = PageCountsTable(client, COUNTS.physical_name(config))
        self.history = HistoryTable(client, HISTORY.physical_name(config))
        self.calls: list[str] = []
        client.meta.events.register("before-call.dynamodb", lambda model, **_: self.calls.append(model.name))


@pytest.fixture
def tables() -> Iterator[Tables]:
    with mock_aws():
        client = boto3.client("dynamodb")
        config = DeploymentConfig.load("prod", ENV)
        for spec in TABLES:
            create_table(client, spec, config)
        for item in COUNTERS:
            client.put_item(TableName=COUNTS.physical_name(config), Item=item)
        for item in DAYS:
            client.put_item(TableName=HISTORY.physical_name(config), Item=item)
        yield Tables(client, config)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / "tables.json").write_text(json.dumps({"counts": COUNTERS, "salts": [], "history": DAYS}))
    return directory


@pytest.fixture(params=["namespace", "snapshot"])
def target(request) -> list[str]:
    if request.param == "namespace":
        request.getfixturevalue("tables")
        return ["--namespace", "prod"]
    return ["--data-dir", str(request.getfixturevalue("data_dir"))]


EXPECTED = {
    "site": "blog",
    "timeZone": "UTC",
    "from": "2026-11-27",
    "to": "2026-11-29",
    "page": None,
    "source": None,
    "totals": {"views": 14, "visitorDays": 6, "botViews": 15},
    "previous": {"from": "2026-11-24", "to": "2026-11-26", "totals": {"views": 10, "visitorDays": 4, "botViews": 5}},
    "days": [
        {"day": "2026-11-27", "views": 0, "visitorDays": 0},
        {"day": "2026-11-28", "views": 12, "visitorDays": 5},
        {"day": "2026-11-29", "views": 2, "visitorDays": 1},
    ],
    "pages": [
        {"key": "path#/tags/x", "path": "/tags/x", "title": None, "views": 9, "visitorDays": 4},
        {"key": "post#hello-world", "articleId": "hello-world", "title": "Hello, world", "views": 5, "visitorDays": 3},
    ],
    "referrers": [{"host": "news.example", "views": 3}],
    "campaigns": [{"parameter": "utm_source", "value": "mail", "views": 1}],
    "bots": {"headless": 12, "webdriver": 3},
}


def test_stats_json_is_the_dashboards_answer_but_today(target, capsys):
    assert main(["stats", "--days", "3", "--json", *target], env=ENV, today=TODAY) == 0

    assert json.loads(capsys.readouterr().out) == EXPECTED


def test_stats_prints_totals_with_their_change_and_the_lists_as_aligned_tables(target, capsys):
    assert main(["stats", "--days", "3", *target], env=ENV, today=TODAY) == 0

    assert capsys.readouterr().out == (
        "blog, 2026-11-27 to 2026-11-29 (UTC), against 2026-11-24 to 2026-11-26:\n"
        "\n"
        "              this period  previous  change\n"
        "views                  14        10    +40%\n"
        "visitor-days            6         4    +50%\n"
        "bot views              15         5   +200%\n"
        "(visitor-days: each day's visitors, summed; one reader on two days is two)\n"
        "\n"
        "top pages                  views  visitor-days\n"
        "/tags/x                        9             4\n"
        "hello-world  Hello, world      5             3\n"
        "\n"
        "referrers     views\n"
        "news.example      3\n"
        "\n"
        "campaigns        views\n"
        "utm_source=mail      1\n"
        "\n"
        "bots       views\n"
        "headless      12\n"
        "webdriver      3\n"
    )


def test_from_and_to_pick_the_range_and_its_previous_period(tables, capsys):
    args = ["stats", "--from", "2026-11-25", "--to", "2026-11-28", "--json", "--namespace", "prod"]
    assert main(args, env=ENV, today=TODAY) == 0

    report = json.loads(capsys.readouterr().out)
    assert (report["from"], report["to"]) == ("2026-11-25", "2026-11-28")
    assert report["previous"] == {
        "from": "2026-11-21",
        "to": "2026-11-24",
        "totals": {"views": 0, "visitorDays": 0, "botViews": 0},
    }
    assert report["totals"] == {"views": 22, "visitorDays": 9, "botViews": 5}
    assert [day["views"] for day in report["days"]] == [10, 0, 0, 12]


def test_a_source_narrows_the_days_and_totals_to_its_views_summed_over_the_pages(tables):
    report = read_stats(
        tables.counters, tables.history, tables.site, "2026-11-27", "2026-11-29", source="referrer:news.example"
    ).as_json()

    assert report["source"] == "referrer:news.example"
    # 2026-11-28: /tags/x's 1; today: /tags/x's 2, still on its counter.
    assert report["days"] == [
        {"day": "2026-11-27", "views": 0, "visitorDays": None},
        {"day": "2026-11-28", "views": 1, "visitorDays": None},
        {"day": "2026-11-29", "views": 2, "visitorDays": None},
    ]
    assert report["totals"] == {"views": 3, "visitorDays": None, "botViews": 15}
    # The previous period: hello-world's counted 3 and imported 1.
    assert report["previous"]["totals"] == {"views": 4, "visitorDays": None, "botViews": 5}
    # The lists are the range's, whatever the source.
    assert report["pages"] == EXPECTED["pages"] and report["referrers"] == EXPECTED["referrers"]


def test_a_campaign_source_of_one_page(tables):
    report = read_stats(
        tables.counters, tables.history, tables.site, "2026-11-27", "2026-11-29", "/posts/hello-world.html",
        source="utm_source:mail",
    ).as_json()  # fmt: skip

    assert report["page"] == EXPECTED["pages"][1]
    assert [day["views"] for day in report["days"]] == [0, 1, 0]
    assert report["totals"] == {"views": 1, "visitorDays": None, "botViews": 0}


def test_one_page_by_its_path_or_its_key(tables, capsys):
    for page in ("/tags/x/", "path#/tags/x"):
        args = ["stats", "--days", "3", "--page", page, "--json", "--namespace", "prod"]
        assert main(args, env=ENV, today=TODAY) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["page"] == {"key": "path#/tags/x", "path": "/tags/x", "title": None, "views": 9, "visitorDays": 4}
        assert report["totals"] == {"views": 9, "visitorDays": 4, "botViews": 0}
        assert report["bots"] == {} and report["pages"] == [report["page"]]
        assert report["referrers"] == [{"host": "news.example", "views": 3}]


def test_the_previous_period_of_a_page_is_its_own(tables):
    report = read_stats(tables.counters, tables.history, tables.site, "2026-11-27", "2026-11-29", "post#hello-world")

    assert report.totals.views == 5 and report.previous.views == 10 and report.previous.visitor_days == 4


def test_the_range_is_read_by_day_the_previous_period_by_key_and_never_a_scan(tables):
    read_stats(tables.counters, tables.history, tables.site, "2026-11-27", "2026-11-29")

    # The range: a Query per day and one of the pages index, a BatchGetItem of the counters
    # and one of the bot days. The period before: its totals only, a BatchGetItem of the
    # site's days and one of its counter and bot days.
    assert sorted(tables.calls) == sorted(["Query"] * (3 + 1) + ["BatchGetItem"] * 2 + ["BatchGetItem"] * 2)


@pytest.mark.parametrize(
    ("first", "last", "options", "parameter", "message"),
    [
        ("2026-11-29", "2026-11-28", {}, "to", "ends (2026-11-28) before it starts (2026-11-29)"),
        ("2025-10-24", "2026-11-28", {}, "from", "at most 400 days at once (asked for 401)"),
        ("2026-11-27", "2026-11-29", {"top": 0}, "top", "from 1 to 100 (got 0)"),
        ("2026-11-27", "2026-11-29", {"top": 101}, "top", "from 1 to 100 (got 101)"),
        ("2026-11-27", "2026-11-29", {"page": "tags/x"}, "page", "a page is a path"),
        ("2026-11-27", "2026-11-29", {"source": "news.example"}, "source", "a source is referrer:<host>"),
        ("2026-11-27", "2026-11-29", {"source": "referrer:"}, "source", "a source is referrer:<host>"),
    ],
)
def test_a_request_out_of_bounds_is_refused_with_what_to_change(tables, first, last, options, parameter, message):
    with pytest.raises(StatsRefused) as refused:
        read_stats(tables.counters, tables.history, tables.site, first, last, **options)

    assert isinstance(refused.value, RangeRefused) and refused.value.parameter == parameter
    assert message in str(refused.value)
    assert tables.calls == []  # refused before any read


def test_400_days_are_read(tables):
    report = read_stats(tables.counters, tables.history, tables.site, "2025-10-26", "2026-11-29")

    assert len(report.days) == 400 and report.previous_first == "2024-09-21" and report.totals.views == 24


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "401"], "at most 400 days"),
        (["--days", "0"], "--days must be at least 1"),
        (["--top", "101"], "from 1 to 100"),
        (["--page", "tags/x"], "a page is a path"),
        (["--source", "mail"], "a source is referrer:<host>"),
    ],
)
def test_bad_options_exit_2_with_a_message(tables, capsys, args, message):
    assert main(["stats", *args, "--namespace", "prod"], env=ENV, today=TODAY) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("now", "before", "text"),
    [(12, 10, "+20%"), (95, 100, "-5%"), (7, 0, "new"), (0, 0, "0%"), (3, 3, "0%"), (0, 4, "-100%"),
     (201, 200, "+1%"), (1001, 1000, "+1%"), (1, 3, "-67%"), (None, 4, "n/a")],
)  # fmt: skip
def test_a_change_is_worded_as_the_dashboard_words_it(now, before, text):
    assert change(now, before) == text
