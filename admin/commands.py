"""The operator commands as plain functions of the tables (admin.targets), so tests run them
on moto as a deployed namespace and on a local stack's snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from admin.targets import USAGE, AdminError, Tables
from viewcount.errors import RejectedFrame
from viewcount.pages import Page
from viewcount.sites import Site
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import (
    PageCountsTable,
    bot_reasons_of,
    bots_key,
    counter_key,
    page_of_key,
)
from viewcount.use_cases.read_history import HistoryReport, RangeRefused, read_history
from viewcount.use_cases.read_stats import StatsRefused, StatsReport, StatsTotals, page_in, read_stats
from viewcount.wire import MAX_TITLE, page_fields, validate_article_id
from viewcount_infra.topology import COUNTS, HISTORY

MAX_DAYS = 366


@dataclass(frozen=True)
class Renamed:
    page_key: str
    title: str
    previous: str | None


def rename_title(tables: Tables, site: Site, article_id: str, title: str) -> Renamed:
    """Sets an article's title, which its first counted view set and later views cannot change.

    Only an article that has been counted is renamed: a typo in the id must not create a page.
    """
    try:
        validate_article_id(article_id, "ARTICLE_ID")
    except RejectedFrame as error:
        raise AdminError(error.detail, USAGE) from None
    if not title.strip():
        raise AdminError("the title must not be empty", USAGE)
    if len(title) > MAX_TITLE:
        raise AdminError(f"the title is {len(title)} characters; at most {MAX_TITLE} are allowed", USAGE)
    key = counter_key(site.id, Page.post(article_id))
    try:
        previous = PageCountsTable(tables.dynamodb, tables.name(COUNTS)).set_title(key, title)
    except KeyError:
        raise AdminError(
            f"no article {article_id!r} on {site.id} in {tables.where} (no view of it has been counted yet); "
            "nothing was written"
        ) from None
    return Renamed(key, title, previous)


@dataclass(frozen=True)
class BotDay:
    day: str  # YYYY-MM-DD, the site's day
    reasons: dict[str, int] = field(default_factory=dict)  # most views first

    @property
    def total(self) -> int:
        return sum(self.reasons.values())


@dataclass(frozen=True)
class BotCounts:
    site: Site
    first_day: str
    last_day: str
    days: list[BotDay]  # newest first; days without bot views left out

    def as_json(self) -> dict[str, Any]:
        return {
            "site": self.site.id,
            "timeZone": self.site.time_zone,
            "from": self.first_day,
            "to": self.last_day,
            "days": [{"day": d.day, "total": d.total, "reasons": d.reasons} for d in self.days],
        }


def bot_counts(tables: Tables, site: Site, days: int, today: date) -> BotCounts:
    """The bot views filtered on each of the site's last `days` days (today included), per reason.

    The day items are read by key, never by scanning the table.
    """
    if not 1 <= days <= MAX_DAYS:
        raise AdminError(f"--days must be between 1 and {MAX_DAYS} (got {days})", USAGE)
    wanted = [(today - timedelta(days=back)).isoformat() for back in range(days)]
    keys = {day: bots_key(site.id, day) for day in wanted}
    items = PageCountsTable(tables.dynamodb, tables.name(COUNTS)).get_items(list(keys.values()))
    found = []
    for day in wanted:
        reasons = {name: views for name, views in bot_reasons_of(items.get(keys[day], {})).items() if views}
        if reasons:
            found.append(BotDay(day, dict(sorted(reasons.items(), key=lambda pair: (-pair[1], pair[0])))))
    return BotCounts(site=site, first_day=wanted[-1], last_day=wanted[0], days=found)


def format_bot_counts(counts: BotCounts) -> str:
    """An aligned table: one row per day and reason, newest day first, and a total."""
    span = f"{counts.first_day} to {counts.last_day}, {counts.site.time_zone} ({counts.site.id})"
    if not counts.days:
        return f"No bot views filtered from {span}."
    rows = [(day.day, reason, str(views)) for day in counts.days for reason, views in day.reasons.items()]
    rows.append(("total", "", str(sum(day.total for day in counts.days))))
    header = ("day", "reason", "views")
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(3)]
    lines = [f"Bot views filtered from {span}:"]
    for day, reason, views in [header, *rows]:
        lines.append(f"{day:<{widths[0]}}  {reason:<{widths[1]}}  {views:>{widths[2]}}")
    return "\n".join(lines)


# ---- history -----------------------------------------------------------------------


def page_named(site: Site, page: str) -> str:
    """A page as the operator names it: a page key (`post#hello`, `path#/tags/x`,
    `page#Home_Page`), or a path of the site (`/tags/x/`), keyed as a view of it would be."""
    try:
        return page_in(site, page)
    except StatsRefused as refused:
        raise AdminError(f"--page: {refused}", USAGE) from None


def history(tables: Tables, site: Site, first: str, last: str, page: str | None, top: int) -> HistoryReport:
    """The site's (or a page's) days from `first` to `last`, read without a scan."""
    counters = PageCountsTable(tables.dynamodb, tables.name(COUNTS))
    days = HistoryTable(tables.dynamodb, tables.name(HISTORY))
    try:
        return read_history(counters, days, site, first, last, page_named(site, page) if page else None, top=top)
    except RangeRefused as error:
        raise AdminError(str(error), USAGE) from None


def format_history(report: HistoryReport) -> str:
    """The totals, a line per day, and the ranked lists, as aligned tables."""
    site = report.site
    subject = f"{_page_label(site, report.page)} on {site.id}" if report.page else f"{site.id}"
    lines = [
        f"{subject}, {report.first} to {report.last} ({site.time_zone}): {report.views:,} views, "
        f"{report.visitor_days:,} visitor-days" + (f", {sum(report.bots.values()):,} bot views" if report.bots else ""),
        "(visitor-days: each day's visitors, summed; one reader on two days is two)",
        "",
        _table(("day", "views", "visitor-days"), [(d.day, f"{d.views:,}", f"{d.visitor_days:,}") for d in report.days]),
    ]
    return "\n".join(lines + _ranked(report, bots=bool(report.bots)))


def _page_label(site: Site, part: str) -> str:
    """How a page is named to a person: its path, or its article id or page name."""
    fields = page_fields(page_of_key(counter_key(site.id, part)))
    return fields.get("path") or fields.get("articleId") or fields["pageName"]


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    if not rows:
        return f"{header[0]}: none"
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    out = []
    for row in [header, *rows]:
        first, *numbers = row
        cells = [f"{number:>{width}}" for number, width in zip(numbers, widths[1:], strict=True)]
        out.append("  ".join([f"{first:<{widths[0]}}", *cells]))
    return "\n".join(out)


# ---- stats -------------------------------------------------------------------------


def stats(
    tables: Tables, site: Site, first: str, last: str, page: str | None, top: int, source: str | None = None
) -> StatsReport:
    """The site's (or a page's) range against the period of the same length before it."""
    counters = PageCountsTable(tables.dynamodb, tables.name(COUNTS))
    days = HistoryTable(tables.dynamodb, tables.name(HISTORY))
    try:
        return read_stats(counters, days, site, first, last, page, top=top, source=source)
    except RangeRefused as error:
        raise AdminError(str(error), USAGE) from None


def change(now: int | None, before: int | None) -> str:
    """A change as the dashboard words it: "+20%", "-5%", "0%" when equal, "new" when the
    previous period had none; "n/a" for a number not kept (visitors per source)."""
    if now is None or before is None:
        return "n/a"
    if now == before:
        return "0%"
    if before == 0:
        return "new"
    percent = (now - before) * 100 / before
    # Half away from zero, so +0.5% is +1% and -0.5% is -1%; never "+0%" for a change.
    rounded = int(abs(percent) + 0.5) or 1
    return f"{'+' if percent > 0 else '-'}{rounded}%"


def format_stats(report: StatsReport) -> str:
    """The totals with their change, then the top pages, referrers, campaigns and bots, as
    aligned tables."""
    site, history = report.site, report.history
    subject = f"{_page_label(site, report.page)} on {site.id}" if report.page else site.id
    narrowed = f", views from {report.source}" if report.source else ""
    lines = [
        f"{subject}, {report.first} to {report.last} ({site.time_zone}){narrowed}, "
        f"against {report.previous_first} to {report.previous_last}:",
        "",
        _table(("", "this period", "previous", "change"), _totals_rows(report.totals, report.previous)),
        "(visitor-days: each day's visitors, summed; one reader on two days is two)",
    ]
    return "\n".join(lines + _ranked(history, bots=not report.page))


def _ranked(report: HistoryReport, *, bots: bool) -> list[str]:
    """The top pages (of a site's report), referrers, campaigns and, if `bots`, the bots, as tables."""
    site, lines = report.site, []
    if not report.page:
        rows = [
            (_page_label(site, p.page) + (f"  {p.title}" if p.title else ""), f"{p.views:,}", f"{p.visitor_days:,}")
            for p in report.pages
        ]
        lines += ["", _table(("top pages", "views", "visitor-days"), rows)]
    lines += ["", _table(("referrers", "views"), [(host, f"{views:,}") for host, views in report.referrers])]
    campaigns = [(f"{parameter}={value}", f"{views:,}") for parameter, value, views in report.campaigns]
    lines += ["", _table(("campaigns", "views"), campaigns)]
    if bots:
        lines += ["", _table(("bots", "views"), [(reason, f"{views:,}") for reason, views in report.bots.items()])]
    return lines


def _totals_rows(now: StatsTotals, before: StatsTotals) -> list[tuple[str, ...]]:
    def number(value: int | None) -> str:
        return "n/a" if value is None else f"{value:,}"

    return [
        (name, number(a), number(b), change(a, b))
        for name, a, b in (
            ("views", now.views, before.views),
            ("visitor-days", now.visitor_days, before.visitor_days),
            ("bot views", now.bot_views, before.bot_views),
        )
    ]
