"""The operator commands as plain functions of a counts store, so tests run them on moto and on a snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from admin.stores import AdminError, CountsStore, UnknownItemError
from viewcount.errors import RejectedFrame
from viewcount.pages import Page
from viewcount.tables.page_counts import bot_reasons_of, bots_key, page_key
from viewcount.wire import MAX_TITLE, validate_article_id

MAX_DAYS = 366
USAGE = 2  # exit status of bad input, as argparse uses


@dataclass(frozen=True)
class Renamed:
    page_key: str
    title: str
    previous: str | None


def rename_title(store: CountsStore, article_id: str, title: str) -> Renamed:
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
    key = page_key(Page.post(article_id))
    try:
        previous = store.set_title(key, title)
    except UnknownItemError:
        raise AdminError(
            f"no article {article_id!r} in {store.name} (no view of it has been counted yet); nothing was written"
        ) from None
    return Renamed(key, title, previous)


@dataclass(frozen=True)
class BotDay:
    day: str  # YYYY-MM-DD, UTC
    reasons: dict[str, int] = field(default_factory=dict)  # most views first

    @property
    def total(self) -> int:
        return sum(self.reasons.values())


@dataclass(frozen=True)
class BotCounts:
    first_day: str
    last_day: str
    days: list[BotDay]  # newest first; days without bot views left out

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.first_day,
            "to": self.last_day,
            "days": [{"day": d.day, "total": d.total, "reasons": d.reasons} for d in self.days],
        }


def bot_counts(store: CountsStore, days: int, today: date) -> BotCounts:
    """The bot views filtered on each of the last `days` UTC days (today included), per reason.

    The day items are read by key, never by scanning the table.
    """
    if not 1 <= days <= MAX_DAYS:
        raise AdminError(f"--days must be between 1 and {MAX_DAYS} (got {days})", USAGE)
    wanted = [(today - timedelta(days=back)).isoformat() for back in range(days)]
    items = store.get_items([bots_key(day) for day in wanted])
    found = []
    for day in wanted:
        reasons = {name: views for name, views in bot_reasons_of(items.get(bots_key(day), {})).items() if views}
        if reasons:
            found.append(BotDay(day, dict(sorted(reasons.items(), key=lambda pair: (-pair[1], pair[0])))))
    return BotCounts(first_day=wanted[-1], last_day=wanted[0], days=found)


def format_bot_counts(counts: BotCounts) -> str:
    """An aligned table: one row per day and reason, newest day first, and a total."""
    span = f"{counts.first_day} to {counts.last_day}, UTC"
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
