"""Read a site's history over any range of its days, optionally for one page: the totals,
the per-day series, the top pages, referrers and campaigns, and the bots filtered.

A day is the site's, in its time zone. Its numbers are the blocks moved to the History
table, the block still on a counter (a page not viewed since), and every import's.
Uniques over a range are visitor-days: each day has a salt of its own, so one reader on
two days is two visitor-days, and nothing here tries to link days to tell otherwise.

The reads are bounded and never a Scan (docs/history.md has their read units):
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
from viewcount.tables.history import SITE_DAY, HistoryTable, merged_tally
from viewcount.tables.page_counts import (
    REFERRER_PREFIX,
    TOTAL_VIEWS,
    UNIQUE_VIEWS,
    DayBlock,
    Item,
    PageCountsTable,
    Tally,
    bot_reasons_of,
    bots_key,
    counter_key,
    day_blocks,
    page_of_key,
    site_key,
    title_of,
)
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

    def as_json(self) -> dict[str, Any]:
        def page_entry(page: PageTotals) -> dict[str, Any]:
            fields = page_fields(page_of_key(counter_key(self.site.id, page.page)))
            return {**fields, "title": page.title, "views": page.views, "visitorDays": page.visitor_days}

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
    if last < first:
        raise RangeRefused(f"the range ends ({last}) before it starts ({first})")
    days = days_between(first, last)
    if len(days) > MAX_DAYS:
        raise RangeRefused(f"at most {MAX_DAYS} days at once (asked for {len(days)})")
    if page is not None:
        return _page_report(counters, history, site, days, page, top)
    return _site_report(counters, history, site, days, top)


def _site_report(
    counters: PageCountsTable, history: HistoryTable, site: Site, days: list[str], top: int
) -> HistoryReport:
    stored = {day: history.day(site.id, day) for day in days}
    parts = [*history.pages(site.id), SITE_DAY]
    keys = {part: site_key(site.id) if part == SITE_DAY else counter_key(site.id, part) for part in parts}
    items = counters.get_items(list(keys.values()))
    blocks = {part: day_blocks(items.get(key, {})) for part, key in keys.items()}
    series, per_page, sources = [], {}, Counter()
    for day in days:
        day_parts = set(stored[day]) | {part for part in parts if day in blocks[part]}
        for part in sorted(day_parts):
            tally = merged_tally(stored[day].get(part), blocks.get(part, {}).get(day))
            if part == SITE_DAY:
                continue
            totals = per_page.setdefault(part, Counter())
            totals.update({TOTAL_VIEWS: tally.get(TOTAL_VIEWS, 0), UNIQUE_VIEWS: tally.get(UNIQUE_VIEWS, 0)})
            sources.update(_sources(tally))
        site_day = merged_tally(stored[day].get(SITE_DAY), blocks[SITE_DAY].get(day))
        series.append(DayTotals(day, site_day.get(TOTAL_VIEWS, 0), site_day.get(UNIQUE_VIEWS, 0)))
    bot_items = counters.get_items([bots_key(site.id, day) for day in days])
    bots: Counter[str] = Counter()
    for item in bot_items.values():
        bots.update(bot_reasons_of(item))
    ranked = sorted(per_page.items(), key=lambda entry: (-entry[1][TOTAL_VIEWS], -entry[1][UNIQUE_VIEWS], entry[0]))
    pages = [
        PageTotals(part, title_of(items.get(keys.get(part, ""), {})), totals[TOTAL_VIEWS], totals[UNIQUE_VIEWS])
        for part, totals in ranked[:top]
    ]
    return _report(site, days, None, series, pages, sources, top, dict(bots))


def _page_report(
    counters: PageCountsTable, history: HistoryTable, site: Site, days: list[str], page: str, top: int
) -> HistoryReport:
    stored = history.get_days(site.id, days, page)
    counter: Item = counters.get_items([counter_key(site.id, page)]).get(counter_key(site.id, page), {})
    blocks: dict[str, DayBlock] = day_blocks(counter)
    series, sources = [], Counter()
    for day in days:
        tally = merged_tally(stored.get(day), blocks.get(day))
        series.append(DayTotals(day, tally.get(TOTAL_VIEWS, 0), tally.get(UNIQUE_VIEWS, 0)))
        sources.update(_sources(tally))
    views, visitor_days = sum(d.views for d in series), sum(d.visitor_days for d in series)
    pages = [PageTotals(page, title_of(counter), views, visitor_days)]
    return _report(site, days, page, series, pages, sources, top, {})


def _sources(tally: Tally) -> Counter[str]:
    return Counter({name: value for name, value in tally.items() if name not in (TOTAL_VIEWS, UNIQUE_VIEWS)})


def _report(
    site: Site,
    days: list[str],
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
        site=site,
        first=days[0],
        last=days[-1],
        page=page,
        days=series,
        pages=pages,
        referrers=ranked(REFERRER_PREFIX)[:top],
        campaigns=campaigns[:top],
        bots=dict(sorted(bots.items(), key=lambda entry: (-entry[1], entry[0]))),
    )
