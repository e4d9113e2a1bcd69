"""A site's (or one page's) stats over a range of its days, against the previous period of
the same length: what `GET /dashboard/stats` answers and `./admin.sh stats` prints.

A day here is the day the history shows (counted, imported, adjusted). Narrowed to one source (`referrer:<host>`,
`utm_source:<value>`, `utm_medium:`, `utm_campaign:`), the series and the views totals
count only the views that came from it: a page's day tallies hold its sources, and the
site's are its pages' summed. Visitors are not kept per source, so visitor-days are then
None. The ranked lists, the page's own numbers and the bots stay those of the whole range.

Reads: one read_days of the range (docs/history.md has its read units), from which the
report and, with a source, the source's views per day are summed; and the previous period's
totals by key (the site's days and bot days, and its counter: about one read unit per two
days), or for a page its own days, or with a source a second read_days of the whole site.
The range is bounded to MAX_RANGE_DAYS days and the lists to MAX_TOP rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from viewcount.errors import RejectedFrame
from viewcount.sites import Site, days_between, shift_day
from viewcount.tables.history import SITE_DAY, HistoryTable
from viewcount.tables.page_counts import SOURCE_PREFIXES, PageCountsTable, is_page_part, page_key
from viewcount.use_cases.export_history import read_days, source_views
from viewcount.use_cases.read_history import HistoryReport, RangeRefused, summarise
from viewcount.views import page_of_path

MAX_RANGE_DAYS = 400
MAX_TOP = 100
DEFAULT_TOP = 10


class StatsRefused(RangeRefused):
    """A request that cannot be answered; `parameter` names the one to change (`from`, `to`,
    `top`, `page`, `source`), and the message says why."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class StatsTotals:
    views: int
    visitor_days: int | None  # None when narrowed to a source
    bot_views: int

    def as_json(self) -> dict[str, Any]:
        return {"views": self.views, "visitorDays": self.visitor_days, "botViews": self.bot_views}


@dataclass(frozen=True)
class StatsDay:
    day: str
    views: int
    visitor_days: int | None


@dataclass
class StatsReport:
    source: str | None
    totals: StatsTotals
    previous_first: str
    previous_last: str
    previous: StatsTotals
    days: list[StatsDay]
    history: HistoryReport  # the range summed up: the site, the range, the page, the lists, the bots

    @property
    def site(self) -> Site:
        return self.history.site

    @property
    def first(self) -> str:
        return self.history.first

    @property
    def last(self) -> str:
        return self.history.last

    @property
    def page(self) -> str | None:  # `post#x`, `path#/x`, `page#Home_Page`
        return self.history.page

    def as_json(self) -> dict[str, Any]:
        """`GET /dashboard/stats`'s answer, but for `today`, which the caller knows: the
        history's, its pages keyed, narrowed to the source and with the previous period."""
        shown = self.history.as_json(page_keys=True)
        head = {name: shown.pop(name) for name in ("site", "timeZone", "from", "to", "page")}
        del shown["totals"], shown["days"]  # the range's own: narrowed to the source here
        return {
            **head,
            "source": self.source,
            "totals": self.totals.as_json(),
            "previous": {"from": self.previous_first, "to": self.previous_last, "totals": self.previous.as_json()},
            "days": [{"day": d.day, "views": d.views, "visitorDays": d.visitor_days} for d in self.days],
            **shown,  # the pages, referrers, campaigns and bots of the range
        }


def page_in(site: Site, text: str) -> str:
    """A page as a person names it: its key (`post#hello`, `path#/tags/x`, `page#Home_Page`)
    or a path of the site (`/tags/x/`), keyed as a view of it would be."""
    if is_page_part(text):
        return text
    if not text.startswith("/"):
        raise StatsRefused(
            "page", f"a page is a path (/tags/x) or a page key (post#id, path#/x, page#Name); got {text!r}"
        )
    try:
        return page_key(page_of_path(site, text))
    except RejectedFrame as error:
        raise StatsRefused("page", error.detail) from None


def check_source(source: str) -> str:
    prefix = next((prefix for prefix in SOURCE_PREFIXES if source.startswith(prefix)), None)
    if prefix is None or not source.removeprefix(prefix):
        raise StatsRefused(
            "source", f"a source is referrer:<host>, utm_source:, utm_medium: or utm_campaign:<value>; got {source!r}"
        )
    return source


def read_stats(
    counters: PageCountsTable, history: HistoryTable, site: Site, first: str, last: str, page: str | None = None, *,
    top: int = DEFAULT_TOP, source: str | None = None,
) -> StatsReport:  # fmt: skip
    """The site's (or a page's) days from `first` to `last`, both included, its top `top`
    pages, referrers and campaigns, and the totals of the period of the same length just
    before; narrowed to the views of `source` when one is given. StatsRefused (a
    RangeRefused) for a range backwards or longer than MAX_RANGE_DAYS, a `top` out of
    1..MAX_TOP, or a page or source that is none."""
    if last < first:
        raise StatsRefused("to", f"the range ends ({last}) before it starts ({first})")
    length = len(days_between(first, last))
    if length > MAX_RANGE_DAYS:
        raise StatsRefused("from", f"at most {MAX_RANGE_DAYS} days at once (asked for {length})")
    if not 1 <= top <= MAX_TOP:
        raise StatsRefused("top", f"top is a whole number from 1 to {MAX_TOP} (got {top})")
    part = page_in(site, page) if page else None
    if source is not None:
        check_source(source)
    previous_first, previous_last = shift_day(first, -length), shift_day(first, -1)
    stored = read_days(counters, history, site, first, last, part)
    now = summarise(stored, top)
    if source is None:
        days = [StatsDay(day.day, day.views, day.visitor_days) for day in now.days]
        totals = _totals(now)
        # Only the previous period's totals are shown: for the site, its own days and bot
        # days by key, not every page's day by Query and every counter again.
        before = read_days(counters, history, site, previous_first, previous_last, part or SITE_DAY)
        previous = _totals(summarise(before, top=1))
    else:
        # A source's views are its pages' of each day: each period read whole, once.
        counted = source_views(stored.days, source)
        before = read_days(counters, history, site, previous_first, previous_last, part)
        earlier = source_views(before.days, source)
        days = [StatsDay(day.day, views, None) for day, views in zip(now.days, counted, strict=True)]
        totals = StatsTotals(sum(counted), None, sum(now.bots.values()))
        previous = StatsTotals(sum(earlier), None, sum(sum(day.bots.values()) for day in before.days))
    return StatsReport(
        source=source,
        totals=totals,
        previous_first=previous_first,
        previous_last=previous_last,
        previous=previous,
        days=days,
        history=now,
    )


def _totals(report: HistoryReport) -> StatsTotals:
    return StatsTotals(report.views, report.visitor_days, sum(report.bots.values()))
