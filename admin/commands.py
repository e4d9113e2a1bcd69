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
from viewcount.tables.page_counts import PageCountsTable, bot_reasons_of, bots_key, counter_key
from viewcount.wire import MAX_TITLE, validate_article_id
from viewcount_infra.topology import COUNTS

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
