"""Read a site's history over any range of its days, optionally for one page: the totals,
the per-day series, the top pages, referrers and campaigns, and the bots filtered.

A day is the site's, in its time zone. Its numbers are the blocks moved to the History
table, the block still on a counter (a page not viewed since), and every import's.
Uniques over a range are visitor-days: each day has a salt of its own, so one reader on
two days is two visitor-days, and nothing here tries to link days to tell otherwise.

The days are read once, by use_cases/export_history.read_days, and summed up here
(summarise); its reads are bounded and never a Scan (docs/history.md has their read units):
- a site: one Query per day (every page's day and the site's), one Query of the site's
  pages index, one BatchGetItem per 100 counters (the days still on them, and titles), and
  one per 100 days of bot tallies;
- a page: one BatchGetItem per 100 days, and one of its counter.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from viewcount.sites import Site, days_between
from viewcount.tables.history import SITE_DAY, HistoryTable
from viewcount.tables.page_counts import (
    REFERRER_PREFIX,
    TOTAL_VIEWS,
    UNIQUE_VIEWS,
    PageCountsTable,
    Tally,
    counter_key,
    page_of_key,
)
from viewcount.use_cases.export_history import StoredHistory, read_days
from viewcount.wire import CAMPAIGN_PARAMETERS, page_fields

# At most this many days in one read: the history keeps 801.
MAX_DAYS = 801


class RangeRefused(ValueError):
    """A range that cannot be read; the message says why."""


@dataclass(frozen=True)
class DayTotals:
    day: str
    views: int
    visitor_days: int  # the site's visitors that day (a page's: its unique views)


@dataclass(frozen=True)
class PageTotals:
    page: str  # within its site: `post#x`, `path#/x`, `page#Home_Page`
    title: str | None
    views: int
    visitor_days: int


@dataclass
class HistoryReport:
    site: Site
    first: str
    last: str
    page: str | None
    days: list[DayTotals]
    pages: list[PageTotals]
    referrers: list[tuple[str, int]]
    campaigns: list[tuple[str, str, int]]  # (parameter, value, views)
    bots: dict[str, int] = field(default_factory=dict)

    @property
    def views(self) -> int:
        return sum(day.views for day in self.days)

    @property
    def visitor_days(self) -> int:
        return sum(day.visitor_days for day in self.days)

    def as_json(self, *, page_keys: bool = False) -> dict[str, Any]:
        """`./admin.sh history --json`'s answer; with `page_keys`, each page entry starts with
        its `key` (`post#x`), as the dashboard's stats have it."""

        def page_entry(page: PageTotals) -> dict[str, Any]:
            fields = page_fields(page_of_key(counter_key(self.site.id, page.page)))
            key = {"key": page.page} if page_keys else {}
            return {**key, **fields, "title": page.title, "views": page.views, "visitorDays": page.visitor_days}

        return {
            "site": self.site.id,
            "timeZone": self.site.time_zone,
            "from": self.first,
            "to": self.last,
            "page": page_entry(self.pages[0]) if self.page and self.pages else None,
            "totals": {"views": self.views, "visitorDays": self.visitor_days, "botViews": sum(self.bots.values())},
            "days": [{"day": d.day, "views": d.views, "visitorDays": d.visitor_days} for d in self.days],
            "pages": [page_entry(page) for page in self.pages],
            "referrers": [{"host": host, "views": views} for host, views in self.referrers],
            "campaigns": [
                {"parameter": parameter, "value": value, "views": views} for parameter, value, views in self.campaigns
            ],
            "bots": dict(self.bots),
        }


def read_history(
    counters: PageCountsTable, history: HistoryTable, site: Site, first: str, last: str, page: str | None = None, *,
    top: int = 10,
) -> HistoryReport:  # fmt: skip
    """The site's (or one page's) days from `first` to `last`, both included; the top
    `top` pages, referrers and campaigns."""
    check_range(first, last)
    return summarise(read_days(counters, history, site, first, last, page), top)


def check_range(first: str, last: str) -> None:
    """RangeRefused for a range backwards or longer than MAX_DAYS."""
    if last < first:
        raise RangeRefused(f"the range ends ({last}) before it starts ({first})")
    length = len(days_between(first, last))
    if length > MAX_DAYS:
        raise RangeRefused(f"at most {MAX_DAYS} days at once (asked for {length})")


def summarise(stored: StoredHistory, top: int = 10) -> HistoryReport:
    """The days read_days read, summed up: the series (the site's own days, or the page's),
    the top `top` pages, referrers and campaigns (a page's sources are its own; the site's,
    its pages'), and the bots filtered."""
    page = None if stored.page == SITE_DAY else stored.page
    series, per_page, sources, bots = [], {}, Counter(), Counter()
    for day in stored.days:
        for part, tally in day.pages.items():
            totals = per_page.setdefault(part, Counter())
            totals.update({TOTAL_VIEWS: tally.get(TOTAL_VIEWS, 0), UNIQUE_VIEWS: tally.get(UNIQUE_VIEWS, 0)})
            sources.update(_sources(tally))
        own = day.pages.get(page, {}) if page is not None else day.site
        series.append(DayTotals(day.day, own.get(TOTAL_VIEWS, 0), own.get(UNIQUE_VIEWS, 0)))
        bots.update(day.bots)
    titles = stored.titles()
    if page is not None:  # the page's own line, read or not
        views, visitor_days = sum(day.views for day in series), sum(day.visitor_days for day in series)
        pages = [PageTotals(page, titles.get(page), views, visitor_days)]
    else:
        ranked = sorted(per_page.items(), key=lambda entry: (-entry[1][TOTAL_VIEWS], -entry[1][UNIQUE_VIEWS], entry[0]))
        pages = [
            PageTotals(part, titles.get(part), totals[TOTAL_VIEWS], totals[UNIQUE_VIEWS])
            for part, totals in ranked[:top]
        ]
    return _report(stored, page, series, pages, sources, top, dict(bots))


def _sources(tally: Tally) -> Counter[str]:
    return Counter({name: value for name, value in tally.items() if name not in (TOTAL_VIEWS, UNIQUE_VIEWS)})


def _report(
    stored: StoredHistory,
    page: str | None,
    series: list[DayTotals],
    pages: list[PageTotals],
    sources: Counter[str],
    top: int,
    bots: dict[str, int],
) -> HistoryReport:
    def ranked(prefix: str) -> list[tuple[str, int]]:
        found = [(name.removeprefix(prefix), views) for name, views in sources.items() if name.startswith(prefix)]
        return sorted(found, key=lambda entry: (-entry[1], entry[0]))

    campaigns = sorted(
        ((parameter, value, views) for parameter in CAMPAIGN_PARAMETERS for value, views in ranked(parameter + ":")),
        key=lambda entry: (-entry[2], entry[0], entry[1]),
    )
    return HistoryReport(
        site=stored.site,
        first=stored.first,
        last=stored.last,
        page=page,
        days=series,
        pages=pages,
        referrers=ranked(REFERRER_PREFIX)[:top],
        campaigns=campaigns[:top],
        bots=dict(sorted(bots.items(), key=lambda entry: (-entry[1], entry[0]))),
    )
