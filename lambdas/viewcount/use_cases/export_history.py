"""Read a site's history day by day, each page's day whole: what `./admin.sh export` writes,
what read_history sums up and what a stats read narrowed to one referrer or campaign adds up.

An export (and a source's series) needs every page's tally of every day, sources included,
and each counter's lifetime numbers; read_history's totals and ranked lists are a summary
of the same read (read_history.summarise). A day is merged by tables.history.merged_tally:
the blocks moved to the History table, the block still on a counter (which stands for its
own moved copy), every import and adjustment.

The reads are bounded and never a Scan:
- a site: one Query of its pages index, one BatchGetItem per 100 counters (lifetime
  numbers, titles, the days still on them), one Query per day (every page's day and the
  site's), one BatchGetItem per 100 days of bot tallies, and one per 100 counters of pages
  the days name that the index does not list;
- a page: one BatchGetItem per 100 days, and one of its counter;
- the site's own days only (`page=SITE_DAY`): one BatchGetItem per 100 days, and one per
  100 of its counter and its bot days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from viewcount.sites import Site, days_between
from viewcount.tables.history import SITE_DAY, HistoryTable, merged_tally
from viewcount.tables.page_counts import (
    PAGES,
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
    imports_of,
    is_source,
    number,
    shown,
    site_key,
    title_of,
)


@dataclass(frozen=True)
class HistoryDay:
    """One of the site's days as it is shown: each page's tally (views, unique views and
    sources), the site's own tally (views and visitors), and the bots filtered by reason."""

    day: str
    pages: dict[str, Tally] = field(default_factory=dict)
    site: Tally = field(default_factory=dict)
    bots: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.pages or self.site or self.bots)


@dataclass
class StoredHistory:
    """A site's (or a page's) days from `first` to `last`, and the counters read for them
    (by page, and `site`): their lifetime numbers and titles. `page` is the page read, or
    SITE_DAY for the site's own days only, or None for the whole site."""

    site: Site
    first: str
    last: str
    days: list[HistoryDay]
    counters: dict[str, Item]
    page: str | None = None

    def lifetime(self) -> dict[str, Tally]:
        """Each counter's numbers as they are shown and pushed (counted plus every import):
        a page's views, unique views and sources, the site's views, visitors and page gauge."""
        return {part: lifetime_of(item, site=part == SITE_DAY) for part, item in self.counters.items()}

    def titles(self) -> dict[str, str]:
        return {part: title for part, item in self.counters.items() if (title := title_of(item)) is not None}


def lifetime_of(item: Item, *, site: bool) -> Tally:
    """A counter's lifetime numbers as they are shown: counted plus every import's."""
    names = [TOTAL_VIEWS, UNIQUE_VIEWS, PAGES] if site else [TOTAL_VIEWS, UNIQUE_VIEWS]
    tally = {name: shown(item, name) for name in names}
    if not site:
        # Sources: the counted ones are top-level attributes; a day block's are `<day>:...`
        # and so never pass is_source.
        for name in item:
            if is_source(name):
                tally[name] = tally.get(name, 0) + number(item, name)
        for imported in imports_of(item).values():
            for name, value in imported.items():
                if is_source(name):
                    tally[name] = tally.get(name, 0) + value
    return tally


def read_days(
    counters: PageCountsTable,
    history: HistoryTable,
    site: Site,
    first: str,
    last: str,
    page: str | None = None,
    *,
    bots: bool = True,
    progress: Callable[[str], None] = lambda day: None,
) -> StoredHistory:
    """Every day from `first` to `last` (both included) of the site, or of one page (then
    `site` and `bots` of each day are empty), or with `page=SITE_DAY` of the site's own
    tally and bots only, read by key (then `pages` of each day are empty); `progress(day)`
    after each day is read."""
    days = days_between(first, last)
    if page == SITE_DAY:
        return _site_days(counters, history, site, days, bots, progress)
    if page is not None:
        return _page_days(counters, history, site, days, page, progress)
    parts = [*history.pages(site.id), SITE_DAY]
    keys = {part: _key(site, part) for part in parts}
    found = counters.get_items(list(keys.values()))
    items = {part: found[key] for part, key in keys.items() if key in found}
    blocks = {part: day_blocks(item) for part, item in items.items()}
    bot_items = counters.get_items([bots_key(site.id, day) for day in days]) if bots else {}
    read: list[HistoryDay] = []
    for day in days:
        stored = history.day(site.id, day)
        named = set(stored) | {part for part, held in blocks.items() if day in held}
        tallies = {part: merged_tally(stored.get(part), blocks.get(part, {}).get(day)) for part in sorted(named)}
        site_tally = tallies.pop(SITE_DAY, {})
        reasons = bot_reasons_of(bot_items.get(bots_key(site.id, day), {}))
        read.append(HistoryDay(day, tallies, site_tally, reasons))
        progress(day)
    # A page whose days are kept but which the index does not list (none should be): its
    # counter still has its lifetime numbers and title.
    unlisted = sorted({part for day in read for part in day.pages} - set(keys))
    if unlisted:
        more = counters.get_items([_key(site, part) for part in unlisted])
        items.update({part: more[_key(site, part)] for part in unlisted if _key(site, part) in more})
    return StoredHistory(site, days[0], days[-1], read, items)


def _page_days(
    counters: PageCountsTable,
    history: HistoryTable,
    site: Site,
    days: list[str],
    page: str,
    progress: Callable[[str], None],
) -> StoredHistory:
    stored = history.get_days(site.id, days, page)
    key = _key(site, page)
    counter = counters.get_items([key]).get(key, {})
    blocks: dict[str, DayBlock] = day_blocks(counter)
    read = []
    for day in days:
        on_day = {page: merged_tally(stored.get(day), blocks.get(day))} if day in stored or day in blocks else {}
        read.append(HistoryDay(day, on_day))
        progress(day)
    return StoredHistory(site, days[0], days[-1], read, {page: counter} if counter else {}, page)


def _site_days(
    counters: PageCountsTable,
    history: HistoryTable,
    site: Site,
    days: list[str],
    bots: bool,
    progress: Callable[[str], None],
) -> StoredHistory:
    stored = history.get_days(site.id, days, SITE_DAY)
    key = site_key(site.id)
    items = counters.get_items([key, *(bots_key(site.id, day) for day in days)] if bots else [key])
    counter = items.get(key, {})
    blocks: dict[str, DayBlock] = day_blocks(counter)
    read = []
    for day in days:
        tally = merged_tally(stored.get(day), blocks.get(day)) if day in stored or day in blocks else {}
        read.append(HistoryDay(day, {}, tally, bot_reasons_of(items.get(bots_key(site.id, day), {}))))
        progress(day)
    return StoredHistory(site, days[0], days[-1], read, {SITE_DAY: counter} if counter else {}, SITE_DAY)


def _key(site: Site, part: str) -> str:
    return site_key(site.id) if part == SITE_DAY else counter_key(site.id, part)


def source_views(days: list[HistoryDay], source: str) -> list[int]:
    """The views that came from one source (`referrer:<host>`, `utm_source:<value>`...) on
    each day, summed over the pages read: the site's sources are its pages'."""
    return [sum(tally.get(source, 0) for tally in day.pages.values()) for day in days]
