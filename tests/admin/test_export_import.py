"""`./admin.sh export` and `import`: a site's days out to CSV and JSON, and back in from
Viewcount's own export, Plausible's and GoatCounter's, on moto's tables. Views are counted
by the real counting function, its clock set by the test."""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from admin.__main__ import main
from admin.exports import export_site
from admin.targets import Tables
from local_stack.resources import create_table
from tests.conftest import load_event
from viewcount.sites import shift_day
from viewcount.tables.history import HistoryTable, oldest_kept_day
from viewcount.tables.page_counts import PageCountsTable, counter_key, pages_of, shown, site_key, title_of
from viewcount.use_cases.export_history import lifetime_of
from viewcount.use_cases.import_counts import Imported, ImportPlan, import_counts
from viewcount.use_cases.read_history import read_history
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import COUNT_VIEWS, COUNTS, HISTORY, TABLES

LOCAL_ENV = {"LOCAL_CLIENT_URL": "https://blog.example.com,http://localhost:8000"}  # the `aws` fixture's
PROD_ENV = {"PROD_CLIENT_URL": "https://blog.example.com"}
TODAY = "2026-12-07"
FIRST = shift_day(TODAY, -800)  # the first day the history keeps, and export's default


def utc_noon(day: str) -> int:
    start = date.fromisoformat(day)
    return int(datetime(start.year, start.month, start.day, 12, tzinfo=UTC).timestamp())


class Stack:
    """One namespace's tables in moto, as the commands and the reads see them."""

    def __init__(self, client: Any, namespace: str, env: dict[str, str]) -> None:
        self.client = client
        self.env = env
        self.args = ["--namespace", namespace]
        config = DeploymentConfig.load(namespace, env)
        self.site = config.sites.default
        self.names = {spec.key: spec.physical_name(config) for spec in TABLES}
        self.counters = PageCountsTable(client, self.names[COUNTS.key])
        self.history = HistoryTable(client, self.names[HISTORY.key])

    def run(self, *args: str, today: str = TODAY) -> int:
        return main([*args, *self.args], env=self.env, today=date.fromisoformat(today))

    def items(self) -> dict[str, list[dict[str, Any]]]:
        """Every item of the counters and the history (a test's view; the commands never scan)."""
        return {
            key: sorted(self.client.scan(TableName=self.names[key])["Items"], key=json.dumps)
            for key in (COUNTS.key, HISTORY.key)
        }

    def shown(self, first: str = FIRST, last: str = TODAY) -> dict[str, Any]:
        """What the site shows: its history over the range (and each page's), and every
        counter's lifetime numbers and title."""
        site_report = read_history(self.counters, self.history, self.site, first, last, top=100)
        parts = sorted({*self.history.pages(self.site.id), *(page.page for page in site_report.pages)})
        pages = {part: read_history(self.counters, self.history, self.site, first, last, part, top=100).as_json()
                 for part in parts}  # fmt: skip
        keys = [site_key(self.site.id), *(counter_key(self.site.id, part) for part in parts)]
        items = self.counters.get_items(keys)
        counters = {
            key: {
                "views": shown(item, "totalViews"),
                "unique": shown(item, "uniqueViews"),
                "title": title_of(item),
                "lifetime": lifetime_of(item, site=key == site_key(self.site.id)),
                "pages": pages_of(item),
            }
            for key, item in items.items()
        }
        index = sorted(self.history.pages(self.site.id))
        return {"site": site_report.as_json(), "pages": pages, "counters": counters, "index": index}


def fresh_stack(client: Any) -> Stack:
    """The prod namespace's tables, empty."""
    stack = Stack(client, "prod", PROD_ENV)
    config = DeploymentConfig.load("prod", PROD_ENV)
    for spec in TABLES:
        create_table(client, spec, config)
    return stack


@pytest.fixture
def fresh() -> Iterator[Stack]:
    with mock_aws():
        yield fresh_stack(boto3.client("dynamodb"))


def stream_view(
    sequence: int, day: str, page: str, *, connection: str = "c=", unique: bool = True, referrer: str | None = None,
    campaign: dict[str, str] | None = None, title: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A stream batch of one view of `page` (`path#/x`) on the site's `day`."""
    event = load_event("ddb_stream_visitor_days.json")
    record = event["Records"][0]
    image = record["dynamodb"]["NewImage"]
    for name in ("articleTitle", "referrerHost", "campaign"):
        image.pop(name, None)
    image.update(pageKey={"S": f"blog#{page}"}, day={"S": day}, connectionId={"S": connection}, unique={"BOOL": unique})
    if title:
        image["articleTitle"] = {"S": title}
    if referrer:
        image["referrerHost"] = {"S": referrer}
    if campaign:
        image["campaign"] = {"M": {name: {"S": value} for name, value in campaign.items()}}
    record["dynamodb"]["SequenceNumber"] = str(sequence)
    event["Records"] = [record]
    return event


class Counting:
    """The counting function, fed one view at a time at a time the test sets."""

    def __init__(self, aws: Any, context: Any) -> None:
        self.function = aws.handler(COUNT_VIEWS)
        self.clock = SimpleNamespace(now=0)
        self.function.time = SimpleNamespace(time=lambda: self.clock.now)
        self.context = context
        self.sequence = 100

    def view(self, day: str, page: str, **options: Any) -> None:
        self.clock.now = utc_noon(day) + self.sequence  # the view's own day: its clock runs with it
        self.sequence += 1
        response = self.function.handler(stream_view(self.sequence, day, page, **options), self.context)
        assert not response.get("batchItemFailures")


@pytest.fixture
def counted(aws, context) -> Stack:
    """The `aws` fixture's (local) stack with three days counted, an import, bots and a
    deleted page: every way a day's numbers are kept."""
    counting = Counting(aws, context)
    for view in [
        ("2026-12-05", "post#hello", {"title": "Hello", "referrer": "news.ycombinator.com"}),
        ("2026-12-05", "post#hello", {"connection": "d=", "unique": False, "campaign": {"utm_source": "newsletter"}}),
        ("2026-12-05", "path#/tags/x", {"referrer": "reddit.com"}),
        ("2026-12-05", "page#Home_Page", {}),  # never viewed again: its day stays on its counter
        ("2026-12-05", "path#/junk", {}),
        ("2026-12-06", "post#hello", {"campaign": {"utm_source": "newsletter", "utm_campaign": "dec"}}),
        ("2026-12-06", "path#/about", {"referrer": "news.ycombinator.com"}),
        ("2026-12-06", "path#/junk", {}),
        ("2026-12-07", "post#hello", {}),  # today: on the counters
        ("2026-12-07", "path#/tags/x", {"unique": False}),
    ]:
        day, page, options = view
        counting.view(day, page, **options)
    stack = Stack(aws.dynamodb, "local", LOCAL_ENV)
    plan = ImportPlan(
        "busuanzi",
        lifetime={"post#hello": Imported(100, 40), "site": Imported(1000, 400)},
        days={
            ("2026-12-01", "post#old"): Imported(3, 2, {"referrer:old.example": 3}),  # a page only this day knows
            ("2026-12-01", "site"): Imported(3, 2),
            ("2026-12-05", "post#hello"): Imported(1, 1),
        },
    )
    import_counts(stack.counters, stack.history, stack.site, plan)
    for reason, day in [("headless", "2026-12-05"), ("headless", "2026-12-05"), ("crawler", "2026-12-06")]:
        stack.counters.tally_bot_view("blog", reason, day)
    assert stack.run("delete-page", "/junk/") == 0  # leaves adjustments on the site's days
    return stack


# ---- the round trip ------------------------------------------------------------------------


def test_export_then_import_into_a_fresh_stack_shows_the_same_totals_and_history(counted, tmp_path, capsys):
    out = tmp_path / "export"
    assert counted.run("export", "--out", str(out)) == 0
    assert f"Exported site blog, {FIRST} to {TODAY} (UTC)" in capsys.readouterr().out
    fresh = fresh_stack(counted.client)

    assert fresh.run("import", str(out / "viewcount-export.json"), "--format", "viewcount") == 0

    before = counted.shown()
    assert fresh.shown() == before
    # Not trivially equal: every kind of day is in it. 2026-12-05: 5 views counted, /junk's
    # taken out (its visitor stays), busuanzi's view of hello a page's only.
    assert [(d["day"], d["views"], d["visitorDays"]) for d in before["site"]["days"] if d["views"]] == [
        ("2026-12-01", 3, 2),
        ("2026-12-05", 4, 4),
        ("2026-12-06", 2, 3),
        ("2026-12-07", 2, 1),
    ]
    assert before["site"]["bots"] == {"headless": 2, "crawler": 1}
    assert before["site"]["referrers"] == [
        {"host": "old.example", "views": 3},
        {"host": "news.ycombinator.com", "views": 2},
        {"host": "reddit.com", "views": 1},
    ]
    assert before["site"]["campaigns"] == [
        {"parameter": "utm_source", "value": "newsletter", "views": 2},
        {"parameter": "utm_campaign", "value": "dec", "views": 1},
    ]
    assert before["index"] == ["page#Home_Page", "path#/about", "path#/tags/x", "post#hello"]
    assert before["counters"]["blog#post#hello"] | {"lifetime": None} == {
        "views": 104, "unique": 43, "title": "Hello", "lifetime": None, "pages": 0,
    }  # fmt: skip
    assert before["counters"]["blog#site"]["views"] == 1008


def test_a_second_import_of_the_same_file_adds_nothing(counted, tmp_path, capsys):
    out = tmp_path / "export"
    assert counted.run("export", "--out", str(out)) == 0
    fresh = fresh_stack(counted.client)
    assert fresh.run("import", str(out / "viewcount-export.json"), "--format", "viewcount") == 0
    items = fresh.items()
    capsys.readouterr()

    assert fresh.run("import", str(out / "viewcount-export.json"), "--format", "viewcount") == 0

    assert fresh.items() == items
    assert "imported before: its numbers are set again, nothing is added" in capsys.readouterr().out
    assert fresh.shown() == counted.shown()


def test_importing_an_export_into_the_stack_it_came_from_is_refused(counted, tmp_path, capsys):
    out = tmp_path / "export"
    assert counted.run("export", "--out", str(out)) == 0
    items = counted.items()
    capsys.readouterr()

    assert counted.run("import", str(out / "viewcount-export.json"), "--format", "viewcount") == 1

    err = capsys.readouterr().err
    assert "the site already holds numbers on these days:" in err
    for line in [
        "2026-12-01  busuanzi",
        "2026-12-05  adjusted, busuanzi, counted",
        "2026-12-06  adjusted, counted",
        "2026-12-07  counted",
    ]:
        assert f"\n  {line}\n" in err
    assert "--add-overlap" in err and "nothing was written" in err
    assert counted.items() == items


def test_with_add_overlap_the_numbers_add(counted, tmp_path):
    out = tmp_path / "export"
    assert counted.run("export", "--out", str(out)) == 0
    before = counted.shown()

    assert counted.run("import", str(out / "viewcount-export.json"), "--format", "viewcount", "--add-overlap") == 0

    after = counted.shown()
    assert after["counters"]["blog#site"]["views"] == 2 * before["counters"]["blog#site"]["views"]
    assert after["site"]["totals"]["views"] == 2 * before["site"]["totals"]["views"]


def test_two_exports_of_one_stack_would_count_its_lifetime_twice(counted, tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    assert counted.run("export", "--out", str(first), "--to", "2026-12-05") == 0
    assert counted.run("export", "--out", str(second), "--from", "2026-12-06") == 0
    fresh = fresh_stack(counted.client)
    assert fresh.run("import", str(first / "viewcount-export.json"), "--format", "viewcount") == 0
    items = fresh.items()
    capsys.readouterr()

    assert fresh.run("import", str(second / "viewcount-export.json"), "--format", "viewcount") == 1

    err = capsys.readouterr().err
    assert "\n  lifetime  viewcount-" in err and fresh.items() == items


# ---- export -----------------------------------------------------------------------------


SEEDED: dict[str, list[dict[str, Any]]] = {
    "counts": [
        {"pageKey": {"S": "blog#post#hello-world"}, "articleTitle": {"S": "=HYPERLINK(\"x\")"},
         "totalViews": {"N": "5"}, "uniqueViews": {"N": "3"}, "referrer:news.example": {"N": "2"}},
        {"pageKey": {"S": "blog#site"}, "totalViews": {"N": "9"}, "uniqueViews": {"N": "6"}, "pages": {"N": "2"},
         "2026-11-29:totalViews": {"N": "2"}, "2026-11-29:uniqueViews": {"N": "1"}, "2026-11-29:gen": {"S": "t0"}},
        {"pageKey": {"S": "blog#bots#2026-11-29"}, "headless": {"N": "12"}},
        {"pageKey": {"S": "blog#path#/tags/x"}, "totalViews": {"N": "4"}, "uniqueViews": {"N": "3"},
         "2026-11-29:totalViews": {"N": "2"}, "2026-11-29:uniqueViews": {"N": "1"}, "2026-11-29:gen": {"S": "t1"},
         "2026-11-29:referrer:news.example": {"N": "2"}},
    ],
    "history": [
        {"siteDay": {"S": "blog#pages"}, "key": {"S": "post#hello-world"}},
        {"siteDay": {"S": "blog#pages"}, "key": {"S": "path#/tags/x"}},
        {"siteDay": {"S": "blog#2026-11-28"}, "key": {"S": "post#hello-world"},
         "g:a1": {"M": {"totalViews": {"N": "5"}, "uniqueViews": {"N": "3"}, "utm_source:mail": {"N": "1"}}}},
        {"siteDay": {"S": "blog#2026-11-28"}, "key": {"S": "path#/tags/x"},
         "g:a2": {"M": {"totalViews": {"N": "2"}, "uniqueViews": {"N": "2"}}}},
        {"siteDay": {"S": "blog#2026-11-28"}, "key": {"S": "site"},
         "g:a3": {"M": {"totalViews": {"N": "7"}, "uniqueViews": {"N": "5"}}}},
    ],
}  # fmt: skip


@pytest.fixture
def seeded(fresh) -> Stack:
    for key, items in SEEDED.items():
        for item in items:
            fresh.client.put_item(TableName=fresh.names[key], Item=item)
    return fresh


def test_export_writes_the_csvs_and_the_json(seeded, tmp_path, capsys):
    out = tmp_path / "out"

    assert (
        seeded.run("export", "--out", str(out), "--from", "2026-11-28", "--to", "2026-11-29", today="2026-11-29") == 0
    )

    assert capsys.readouterr().out == (
        f"Exported site blog, 2026-11-28 to 2026-11-29 (UTC): 2 days with views, 2 pages, to {out}/\n"
        "  pages.csv                      3 rows\n"
        "  referrers.csv                  1 row\n"
        "  campaigns.csv                  1 row\n"
        "  viewcount-export.json  (./admin.sh import --format viewcount takes it back)\n"
    )
    # A title that a spreadsheet would run as a formula is written as text.
    assert (out / "pages.csv").read_text() == (
        "date,page,title,views,unique_views\n"
        "2026-11-28,/tags/x,,2,2\n"
        '2026-11-28,post#hello-world,"\'=HYPERLINK(""x"")",5,3\n'
        "2026-11-29,/tags/x,,2,1\n"
    )
    assert (out / "referrers.csv").read_text() == "date,page,referrer,views\n2026-11-29,/tags/x,news.example,2\n"
    assert (out / "campaigns.csv").read_text() == (
        "date,page,parameter,value,views\n2026-11-28,post#hello-world,utm_source,mail,1\n"
    )
    document = json.loads((out / "viewcount-export.json").read_text())
    assert document.pop("exportedAt").endswith("Z")
    assert document == {
        "format": "viewcount-export",
        "version": 1,
        "site": "blog",
        "timeZone": "UTC",
        "from": "2026-11-28",
        "to": "2026-11-29",
        "lifetime": {
            "site": {"views": 9, "uniqueViews": 6, "pages": 2},
            "pages": {
                "path#/tags/x": {"views": 4, "uniqueViews": 3},
                "post#hello-world": {"title": '=HYPERLINK("x")', "views": 5, "uniqueViews": 3,
                                     "sources": {"referrer:news.example": 2}},
            },
        },
        "days": [
            {"day": "2026-11-28", "site": {"views": 7, "uniqueViews": 5}, "pages": {
                "path#/tags/x": {"views": 2, "uniqueViews": 2},
                "post#hello-world": {"views": 5, "uniqueViews": 3, "sources": {"utm_source:mail": 1}}}},
            {"day": "2026-11-29", "site": {"views": 2, "uniqueViews": 1}, "pages": {
                "path#/tags/x": {"views": 2, "uniqueViews": 1, "sources": {"referrer:news.example": 2}}},
             "bots": {"headless": 12}},
        ],
    }  # fmt: skip


def test_export_reads_by_key_and_never_scans(seeded, tmp_path):
    calls: list[str] = []
    seeded.client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    tables = Tables(seeded.client, seeded.names, DeploymentConfig.load("prod", PROD_ENV).sites, "moto")
    first, last = oldest_kept_day("2026-11-29"), "2026-11-29"

    done = export_site(tables, seeded.site, tmp_path, first, last, now=datetime.now(UTC))

    # 801 days: a Query each, one of the pages index; the counters in one BatchGetItem, the
    # bot days in one per 100.
    assert "Scan" not in calls
    assert calls.count("Query") == 801 + 1 and calls.count("BatchGetItem") == 1 + 9
    assert set(calls) == {"Query", "BatchGetItem"}
    assert (done.first, done.days, done.rows["pages.csv"]) == ("2024-09-20", 2, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-11-29", "--to", "2026-11-28"], "ends (2026-11-28) before it starts"),
        (["--from", "2024-01-01", "--to", "2026-11-28"], "at most 801 days"),
    ],
)
def test_export_refuses_a_bad_range(seeded, tmp_path, capsys, args, message):
    assert seeded.run("export", "--out", str(tmp_path / "out"), *args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# ---- plausible -----------------------------------------------------------------------------


PLAUSIBLE_PAGES = (
    "date,hostname,page,visits,visitors,pageviews,total_time_on_page,total_time_on_page_visits\n"
    "2026-11-01,blog.example.com,/,10,8,12,100,5\n"
    "2026-11-01,blog.example.com,/posts/hello.html,5,4,6,50,3\n"
    "2026-11-01,www.blog.example.com,/posts/hello.html,1,1,1,0,0\n"
    "2026-11-02,blog.example.com,/tags/x/,2,2,3,0,0\n"
    "2026-11-02,blog.example.com,/bad%ff,1,1,2,0,0\n"
)
PLAUSIBLE_VISITORS = (
    "date,visitors,pageviews,bounces,visits,visit_duration\n2026-11-01,11,19,3,14,300\n2026-11-02,3,5,1,3,20\n"
)


def plausible_zip(path: Path, pages: str = PLAUSIBLE_PAGES, visitors: str = PLAUSIBLE_VISITORS) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imported_pages_20261101_20261102.csv", pages)
        archive.writestr("imported_visitors_20261101_20261102.csv", visitors)
        archive.writestr(
            "imported_sources_20261101_20261102.csv", "date,source,visitors,visits\n2026-11-01,Google,3,3\n"
        )
        archive.writestr("imported_browsers_20261101_20261102.csv", "date,browser,visitors,visits\n")
        archive.writestr("README.txt", "not a table")
    return path


def test_plausible_pages_and_the_sites_visitors_land_on_their_days(fresh, tmp_path, capsys):
    export = plausible_zip(tmp_path / "plausible.zip")

    assert fresh.run("import", str(export), "--format", "plausible") == 0

    out = capsys.readouterr().out
    assert "as import source plausible-" in out and "3 pages, 22 views, 15 unique views (lifetime)" in out
    assert "site:  24 views, 14 visitor-days (lifetime)" in out
    assert "/bad%ff  (currentPage is not UTF-8 once percent-decoded; 2 views)" in out
    assert "imported_sources is not read" in out
    report = read_history(fresh.counters, fresh.history, fresh.site, "2026-11-01", "2026-11-02").as_json()
    # The site's numbers are imported_visitors', never the pages' summed.
    assert [(d["views"], d["visitorDays"]) for d in report["days"]] == [(19, 11), (5, 3)]
    assert [(p.get("pageName") or p.get("articleId") or p["path"], p["views"], p["visitorDays"])
            for p in report["pages"]] == [("Home_Page", 12, 8), ("hello", 7, 5), ("/tags/x", 3, 2)]  # fmt: skip
    items = fresh.counters.get_items(["blog#site", "blog#post#hello"])
    assert (shown(items["blog#site"], "totalViews"), pages_of(items["blog#site"])) == (24, 3)
    assert shown(items["blog#post#hello"], "totalViews") == 7
    assert sorted(fresh.history.pages("blog")) == ["page#Home_Page", "path#/tags/x", "post#hello"]


def test_a_plausible_import_dry_run_writes_nothing(fresh, tmp_path, capsys):
    export = plausible_zip(tmp_path / "plausible.zip")

    assert fresh.run("import", str(export), "--format", "plausible", "--dry-run") == 0

    assert "Would import plausible file" in (out := capsys.readouterr().out) and "Dry run: nothing was written." in out
    assert fresh.items() == {"counts": [], "history": []}


def test_every_bad_plausible_row_is_reported_by_its_line_and_nothing_is_written(fresh, tmp_path, capsys):
    pages = (
        "date,hostname,page,visitors,pageviews\n"
        "2026-11-01,blog.example.com,/,8,12\n"
        "2026-11-31,blog.example.com,/a/,1,1\n"
        "2026-11-01,blog.example.com,/b/,1,-4\n"
        "2026-11-01,blog.example.com,,1,1\n"
        "2026-11-01,blog.example.com,/,8,12\n"
        "2026-12-08,blog.example.com,/c/,1,1\n"
    )
    export = plausible_zip(tmp_path / "bad.zip", pages, "date,visitors,pageviews\n2026-11-01,x,19\n")

    assert fresh.run("import", str(export), "--format", "plausible") == 2

    err = capsys.readouterr().err
    where = f"{export}:imported_pages_20261101_20261102.csv"
    assert f"{export} has 6 bad rows; nothing was written:" in err
    assert f"{where}:3: date '2026-11-31' is not a day (YYYY-MM-DD)" in err
    assert f"{where}:4: pageviews '-4' is not a whole number, not negative" in err
    assert f"{where}:5: page is empty" in err
    assert f"{where}:6: the same date, hostname and page as line 2" in err
    assert f"{where}:7: 2026-12-08 is after the site's today (2026-12-07)" in err
    assert f"{export}:imported_visitors_20261101_20261102.csv:2: visitors 'x' is not a whole number" in err
    assert fresh.items() == {"counts": [], "history": []}


def test_a_zip_without_plausibles_tables_is_refused(fresh, tmp_path, capsys):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imported_pages_20261101_20261102.csv", PLAUSIBLE_PAGES)

    assert fresh.run("import", str(path), "--format", "plausible") == 2
    assert "needs imported_pages_*.csv and imported_visitors_*.csv" in capsys.readouterr().err


def test_a_second_plausible_file_overlapping_the_first_is_refused_unless_added(fresh, tmp_path, capsys):
    first = plausible_zip(tmp_path / "first.zip")
    assert fresh.run("import", str(first), "--format", "plausible") == 0
    source = capsys.readouterr().out.split("as import source ")[1].split()[0]
    second = plausible_zip(
        tmp_path / "second.zip",
        "date,page,visitors,pageviews\n2026-11-02,/tags/x/,1,1\n2026-11-03,/tags/x/,1,1\n",
        "date,visitors,pageviews\n2026-11-02,1,1\n2026-11-03,1,1\n",
    )
    items = fresh.items()

    assert fresh.run("import", str(second), "--format", "plausible") == 1

    err = capsys.readouterr().err
    assert "the site already holds numbers from another plausible import on these days:" in err
    assert f"\n  2026-11-02  {source}\n" in err and "--add-overlap" in err
    assert fresh.items() == items

    assert fresh.run("import", str(second), "--format", "plausible", "--add-overlap") == 0
    report = read_history(fresh.counters, fresh.history, fresh.site, "2026-11-02", "2026-11-03", "path#/tags/x")
    assert [day.views for day in report.days] == [3 + 1, 1]


def test_a_second_import_of_the_same_plausible_file_adds_nothing(fresh, tmp_path):
    export = plausible_zip(tmp_path / "plausible.zip")
    assert fresh.run("import", str(export), "--format", "plausible") == 0
    items = fresh.items()

    assert fresh.run("import", str(export), "--format", "plausible") == 0

    assert fresh.items() == items


# ---- goatcounter ----------------------------------------------------------------------------


GOAT_HEADER = (
    "2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,"
    "FirstVisit,Date\n"
)
GOAT_ROWS = (
    '/posts/hello.html,Hello,false,,Firefox 140,Linux,s1,0,news.ycombinator.com/item,h,"1920,1080,1",NL,true,'
    "2026-11-30T17:30:00Z\n"
    '/tags/x/,Tag X,false,,Firefox 140,Linux,s1,0,,,"1920,1080,1",NL,true,2026-11-30T17:31:00Z\n'
    "/posts/hello.html,Hello again,false,,Chrome,Linux,s2,0,Newsletter,c,,DE,true,2026-12-01T03:00:00Z\n"
    "/posts/hello.html,Hello again,false,,Chrome,Linux,s2,0,,,,DE,false,2026-12-01T03:05:00Z\n"
    "/posts/hello.html,,false,,Chrome,Linux,s3,0,Hacker News,g,,US,true,2026-11-30T15:00:00Z\n"
    "signup-click,,true,,,,s1,0,,,,,false,2026-12-01T03:00:00Z\n"
    "/tags/x/,,false,,,,s9,4,,,,,true,2026-12-01T03:00:00Z\n"
    "/bad%ff,,false,,,,s4,0,,,,,true,2026-12-01T04:00:00Z\n"
    "/posts/hello.html,,false,,,,s5,0,blog.example.com/tags/x,h,,,true,2026-12-01T05:00:00Z\n"
)


@pytest.fixture
def shanghai() -> Iterator[Stack]:
    """A fresh stack whose site counts its days in Asia/Shanghai (UTC+8)."""
    with mock_aws():
        stack = fresh_stack(boto3.client("dynamodb"))
        stack.env = {**PROD_ENV, "PROD_TIME_ZONE": "Asia/Shanghai"}
        stack.site = DeploymentConfig.load("prod", stack.env).sites.default
        yield stack


@pytest.mark.parametrize("zipped", [False, True])
def test_goatcounter_pageviews_are_summed_per_page_and_site_day(shanghai, tmp_path, capsys, zipped):
    data = (GOAT_HEADER + GOAT_ROWS).encode()
    export = tmp_path / ("goat.csv.gz" if zipped else "goat.csv")
    export.write_bytes(gzip.compress(data) if zipped else data)

    assert shanghai.run("import", str(export), "--format", "goatcounter") == 0

    out = capsys.readouterr().out
    assert "left out: 1 bot row, 1 event row" in out
    assert "/bad%ff  (currentPage is not UTF-8 once percent-decoded; 1 view)" in out
    report = read_history(shanghai.counters, shanghai.history, shanghai.site, "2026-11-30", "2026-12-01").as_json()
    # 2026-11-30T15:00Z is 23:00 in Shanghai, 17:30Z the next day's 01:30. The site's
    # visitors are the day's sessions (s1, s2, s5), not its FirstVisit rows (4).
    assert [(d["day"], d["views"], d["visitorDays"]) for d in report["days"]] == [
        ("2026-11-30", 1, 1),
        ("2026-12-01", 5, 3),
    ]
    assert report["pages"] == [
        {"articleId": "hello", "title": "Hello again", "views": 5, "visitorDays": 4},
        {"path": "/tags/x", "title": "Tag X", "views": 1, "visitorDays": 1},
    ]
    # A generated name (Hacker News) and the site's own host are no referrers; a campaign is its utm_source.
    assert report["referrers"] == [{"host": "news.ycombinator.com", "views": 1}]
    assert report["campaigns"] == [{"parameter": "utm_source", "value": "newsletter", "views": 1}]
    site = shanghai.counters.get_items(["blog#site"])["blog#site"]
    assert (shown(site, "totalViews"), shown(site, "uniqueViews"), pages_of(site)) == (6, 4, 2)


def test_every_bad_goatcounter_row_is_reported_by_its_line_and_nothing_is_written(fresh, tmp_path, capsys):
    export = tmp_path / "goat.csv"
    export.write_text(
        GOAT_HEADER
        + "/a/,,false,,,,s1,0,,,,,true,2026-11-30 17:30\n"
        + "/a/,,maybe,,,,s1,0,,,,,true,2026-11-30T17:30:00Z\n"
        + "/a/,,false,,,,s1,x,,,,,true,2026-11-30T17:30:00Z\n"
        + "/a/,,false,,,,s1,0,,,,,true,2026-11-30T17:30:00Z\n"  # a good row among them
        + ",,false,,,,s1,0,,,,,true,2026-11-30T17:30:00Z\n"
        + "/a/,,false,,,,s1,0,x,z,,,true,2026-11-30T17:30:00Z\n"
        + "/a/,,false,,,,s1,0\n"
    )

    assert fresh.run("import", str(export), "--format", "goatcounter") == 2

    err = capsys.readouterr().err
    assert f"{export} has 6 bad rows; nothing was written:" in err
    for line, problem in [
        (2, "Date '2026-11-30 17:30' is not RFC 3339"),
        (3, "Event 'maybe' is not true or false"),
        (4, "Bot 'x' is not a number"),
        (6, "2Path is empty"),
        (7, "Referrer scheme 'z' is none of h, g, c, o"),
        (8, "8 fields, not the header's 14"),
    ]:
        assert f"  {export}:{line}: {problem}" in err
    assert f"{export}:5:" not in err
    assert fresh.items() == {"counts": [], "history": []}


def test_a_goatcounter_export_of_version_1_is_refused(fresh, tmp_path, capsys):
    export = tmp_path / "goat.csv"
    export.write_text("1Path,Title,Event,Bot,Session,FirstVisit,Referrer,Referrer scheme,Browser,Screen size\n")

    assert fresh.run("import", str(export), "--format", "goatcounter") == 2
    assert "GoatCounter's export format version 1; this reads version 2" in capsys.readouterr().err


def test_days_older_than_the_history_keeps_go_to_the_lifetime_only(fresh, tmp_path, capsys):
    export = tmp_path / "goat.csv"
    export.write_text(
        GOAT_HEADER
        + "/a/,,false,,,,s1,0,,,,,true,2024-01-01T12:00:00Z\n"
        + "/a/,,false,,,,s1,0,,,,,true,2026-12-01T12:00:00Z\n"
    )

    assert fresh.run("import", str(export), "--format", "goatcounter") == 0

    assert "older than the history keeps (801 days): 1 day, 2024-01-01 to 2024-01-01" in capsys.readouterr().out
    assert shown(fresh.counters.get_items(["blog#path#/a"])["blog#path#/a"], "totalViews") == 2
    days = [item["siteDay"]["S"] for item in fresh.items()["history"] if item["key"]["S"] == "path#/a"]
    assert sorted(days) == ["blog#2026-12-01", "blog#pages"]  # its one day kept, and its place in the index


# ---- an import into a day still being counted ------------------------------------------------


def test_an_import_into_today_and_todays_counting_both_show(aws, context, tmp_path):
    stack = Stack(aws.dynamodb, "local", LOCAL_ENV)
    export = tmp_path / "goat.csv"
    export.write_text(
        GOAT_HEADER
        + "/tags/x/,,false,,,,s1,0,,,,,true,2026-12-07T08:00:00Z\n"
        + "/tags/x/,,false,,,,s1,0,,,,,false,2026-12-07T08:01:00Z\n"
    )
    counting = Counting(aws, context)
    counting.view(TODAY, "path#/tags/x", referrer="news.example")  # counted before the import

    assert stack.run("import", str(export), "--format", "goatcounter") == 0
    counting.view(TODAY, "path#/tags/x", connection="e=")  # and after it, on the same day

    def today_of(part: str | None) -> tuple[int, int]:
        day = read_history(stack.counters, stack.history, stack.site, TODAY, TODAY, part).days[0]
        return day.views, day.visitor_days

    assert today_of("path#/tags/x") == (2 + 2, 1 + 2) and today_of(None) == (4, 3)
    # The day ends and its block moves to the history item that holds the import: both stay.
    counting.view("2026-12-08", "path#/tags/x", connection="f=")
    item = aws.item("history", {"siteDay": f"blog#{TODAY}", "key": "path#/tags/x"})
    assert any(name.startswith("g:") for name in item) and any(name.startswith("import:goatcounter-") for name in item)
    assert today_of("path#/tags/x") == (4, 3) and today_of(None) == (4, 3)
    assert shown(stack.counters.get_items(["blog#path#/tags/x"])["blog#path#/tags/x"], "totalViews") == 3 + 2


# ---- the viewcount format's checks -------------------------------------------------------------


def test_every_bad_entry_of_a_viewcount_export_is_reported_and_nothing_is_written(fresh, tmp_path, capsys):
    export = tmp_path / "viewcount-export.json"
    export.write_text(
        json.dumps(
            {
                "format": "viewcount-export",
                "version": 1,
                "site": "blog",
                "timeZone": "UTC",
                "lifetime": {"site": {"views": -1, "uniqueViews": 0}, "pages": {"tags/x": {"views": 1}}},
                "days": [
                    {"day": "2026-11-01", "pages": {"post#a": {"views": 1, "uniqueViews": True}}},
                    {"day": "2026-11-31"},
                    {"day": "2026-11-01", "site": {"views": 1, "sources": {"evil": 1}}},
                    {"day": "2026-12-09", "bots": {"headless": "3"}},
                ],
            }
        )
    )

    assert fresh.run("import", str(export), "--format", "viewcount") == 2

    err = capsys.readouterr().err
    for problem in [
        "lifetime.site: views is -1",
        "lifetime.pages['tags/x']: not a page key (post#, path#, page#)",
        "days[0] (2026-11-01).pages['post#a']: uniqueViews is True",
        "days[1]: no day (YYYY-MM-DD)",
        "days[2] (2026-11-01): the day is days[0] too",
        "days[2] (2026-11-01).site: source 'evil': 1 (a source is referrer:<host> or utm_*:<value>, with a count)",
        "days[3] (2026-12-09): 2026-12-09 is after the site's today (2026-12-07)",
        "days[3] (2026-12-09).bots: not an object of reasons and counts",
    ]:
        assert f"\n  {problem}" in err
    assert "has 8 bad rows; nothing was written" in err
    assert fresh.items() == {"counts": [], "history": []}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ('{"format": "something else"}', 'is not a viewcount export (no "format": "viewcount-export")'),
        ('{"format": "viewcount-export", "version": 2}', "format version 2; this Viewcount reads version 1"),
        ('{"format": "viewcount-export", "format": "viewcount-export"}', "appears twice"),
    ],
)
def test_a_file_that_is_no_viewcount_export_is_refused(fresh, tmp_path, capsys, text, message):
    export = tmp_path / "export.json"
    export.write_text(text)

    assert fresh.run("import", str(export), "--format", "viewcount") == 2
    assert message in capsys.readouterr().err


def test_a_missing_file_is_an_error(fresh, tmp_path, capsys):
    assert fresh.run("import", str(tmp_path / "nothing.json"), "--format", "viewcount") == 2
    assert "cannot read" in capsys.readouterr().err


def test_an_unknown_format_is_refused_by_the_parser(fresh, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        fresh.run("import", str(tmp_path / "x.csv"), "--format", "matomo")
    assert exit_info.value.code == 2


def test_import_is_a_writing_command_refused_while_a_local_stack_runs(tmp_path, capsys):
    import os

    from local_stack.state import PID_FILE

    data = tmp_path / "data"
    data.mkdir()
    (data / "tables.json").write_text(json.dumps({"counts": [], "salts": [], "history": []}))
    (data / PID_FILE).write_text(f"{os.getpid()}\n")
    export = plausible_zip(tmp_path / "plausible.zip")

    status = main(["import", str(export), "--format", "plausible", "--data-dir", str(data)], env=LOCAL_ENV)

    assert status == 1 and "is running" in capsys.readouterr().err
    assert json.loads((data / "tables.json").read_text())["counts"] == []


def test_an_import_into_a_snapshot_is_saved(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "tables.json").write_text(json.dumps({"counts": [], "salts": [], "history": []}))
    export = plausible_zip(tmp_path / "plausible.zip")

    assert main(["import", str(export), "--format", "plausible", "--data-dir", str(data)], env=LOCAL_ENV) == 0

    saved = json.loads((data / "tables.json").read_text())
    assert {item["pageKey"]["S"] for item in saved["counts"]} >= {"blog#site", "blog#post#hello"}
