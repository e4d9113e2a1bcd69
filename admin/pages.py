"""`./admin.sh merge-page` and `delete-page`: a page's counts and history, moved or removed.

After a permalink change a page's views are split between its old path and its new one;
junk paths (a crawler's guesses) are pages nobody wants listed. Both commands read the page
(its counter and its days in the history, by key: no scan), then change it with one
transaction per day and one for its counter, each conditioned on what was read, so that a
run is exact, can be stopped and run again, and never applies a change twice.

- merge FROM TO: FROM's counted views, unique views, referrers and campaigns join TO's, for
  ever and on each day (each of FROM's day blocks under its own generation), its imports are
  added to TO's, and TO takes FROM's title if it has none. The site's totals are unchanged.
  A visitor who read both pages on one day counts twice in TO's unique views that day.
- delete PAGE: the page's counter and days go, and its counted views are taken out of the
  site's totals and days. The site's unique visitors stay: they did visit the site. The
  page's imported numbers go with it; the site's own imports are its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from admin.targets import USAGE, AdminError, Tables
from viewcount.sites import Site, days_between
from viewcount.tables.history import HistoryTable, counted_tally, generations_of, oldest_kept_day
from viewcount.tables.page_counts import (
    TOTAL_VIEWS,
    UNIQUE_VIEWS,
    Item,
    PageCountsTable,
    Tally,
    counter_key,
    day_blocks,
    imports_of,
    is_source,
    number,
    site_key,
    title_of,
    within_limit,
)
from viewcount_infra.topology import COUNTS, HISTORY


@dataclass
class PageEdit:
    days: int = 0  # days of the page's history changed
    views: int = 0  # counted views moved or taken out
    skipped: int = 0  # parts that changed since they were read: run the command again

    def describe(self, what: str, dry_run: bool) -> str:
        verb = "Would" if dry_run else "Did"
        again = f"; {self.skipped} parts changed meanwhile: run it again" if self.skipped else ""
        return f"{verb} {what}: {self.views:,} counted views, {self.days} days of history{again}."


@dataclass(frozen=True)
class StoredPage:
    """A page as it is stored: its counter (empty if none) and its days in the history."""

    site: Site
    part: str
    counter: Item
    days: dict[str, Item]

    @property
    def key(self) -> str:
        return counter_key(self.site.id, self.part)

    @property
    def exists(self) -> bool:
        return bool(self.counter or self.days)


def read_page(counters: PageCountsTable, history: HistoryTable, site: Site, part: str, today: date) -> StoredPage:
    days = days_between(oldest_kept_day(today.isoformat()), today.isoformat())
    counter = counters.get_items([counter_key(site.id, part)]).get(counter_key(site.id, part), {})
    return StoredPage(site, part, counter, history.get_days(site.id, days, part))


def _tables(tables: Tables) -> tuple[PageCountsTable, HistoryTable]:
    return PageCountsTable(tables.dynamodb, tables.name(COUNTS)), HistoryTable(tables.dynamodb, tables.name(HISTORY))


def _moved_views(page: StoredPage, day: str, item: Item) -> int:
    """A day's counted views in the history that are not also in a block still on the
    counter (a block saved but not yet dropped): those go with the counter."""
    on_counter = day_blocks(page.counter).get(day)
    generations = generations_of(item)
    if on_counter is not None:
        generations.pop(on_counter.generation, None)
    return sum(tally.get(TOTAL_VIEWS, 0) for tally in generations.values())


def _counted_views(page: StoredPage) -> int:
    """The page's counted views for ever: on its counter, or (if it has none) in its days."""
    if page.counter:
        return number(page.counter, TOTAL_VIEWS)
    return sum(counted_tally(item).get(TOTAL_VIEWS, 0) for item in page.days.values())


def delete_page(tables: Tables, site: Site, part: str, *, dry_run: bool, today: date) -> PageEdit:
    counters, history = _tables(tables)
    page = read_page(counters, history, site, part, today)
    if not page.exists:
        raise AdminError(f"no page {part} on {site.id} in {tables.where}; nothing was written")
    edit = PageEdit(days=len({*page.days, *day_blocks(page.counter)}), views=_counted_views(page))
    for day, item in sorted(page.days.items()):
        operations = [history.delete_day(site.id, day, part, item)]
        if moved := _moved_views(page, day, item):
            operations.append(history.adjust_site_day(site, day, {TOTAL_VIEWS: -moved}))
        if not dry_run and not counters.transact(operations):
            edit.skipped += 1
    if page.counter:
        operations = [counters.delete_counter(page.key, page.counter)]
        if counted := number(page.counter, TOTAL_VIEWS):
            operations.append(counters.add_to_counter(site_key(site.id), {TOTAL_VIEWS: -counted}))
        for block in day_blocks(page.counter).values():
            operations.append(history.adjust_site_day(site, block.day, {TOTAL_VIEWS: -block.tally.get(TOTAL_VIEWS, 0)}))
        if not dry_run and not counters.transact(operations):
            edit.skipped += 1
    if not dry_run and not edit.skipped:
        history.unlist_page(site.id, part)
    return edit


def merge_page(tables: Tables, site: Site, source: str, target: str, *, dry_run: bool, today: date) -> PageEdit:
    if source == target:
        raise AdminError(f"a page cannot be merged into itself ({source})", USAGE)
    counters, history = _tables(tables)
    page = read_page(counters, history, site, source, today)
    if not page.exists:
        raise AdminError(f"no page {source} on {site.id} in {tables.where}; nothing was written")
    into = read_page(counters, history, site, target, today)
    edit = PageEdit(days=len({*page.days, *day_blocks(page.counter)}), views=_counted_views(page))
    for day, item in sorted(page.days.items()):
        imports = _summed(imports_of(into.days.get(day, {})), imports_of(item))
        operations = [
            history.delete_day(site.id, day, source, item),
            history.add_day(site, day, target, generations_of(item), imports),
        ]
        if not dry_run and not counters.transact(operations):
            edit.skipped += 1
    if page.counter:
        # FROM's referrers and campaigns join TO's within TO's cap, as a counted view's would.
        sources = Counter({name: int(value["N"]) for name, value in page.counter.items() if is_source(name)})
        known = frozenset(name for name in into.counter if is_source(name))
        counted = {
            TOTAL_VIEWS: number(page.counter, TOTAL_VIEWS),
            UNIQUE_VIEWS: number(page.counter, UNIQUE_VIEWS),
            **within_limit(sources, known),
        }
        imports = _summed(imports_of(into.counter), imports_of(page.counter))
        operations = [
            counters.delete_counter(page.key, page.counter),
            counters.add_to_counter(into.key, counted, imports, title_of(page.counter)),
        ]
        for block in day_blocks(page.counter).values():
            operations.append(history.add_day(site, block.day, target, {block.generation: block.tally}, {}))
        if not dry_run and not counters.transact(operations):
            edit.skipped += 1
        elif not dry_run:
            history.list_page(site.id, target)
    if not dry_run and not edit.skipped:
        history.unlist_page(site.id, source)
    return edit


def _summed(into: dict[str, Tally], moved: dict[str, Tally]) -> dict[str, Tally]:
    """For each import source `moved` has: its numbers added to `into`'s of that source."""
    summed = {}
    for source, tally in moved.items():
        total = Counter(into.get(source, {}))
        total.update(tally)
        summed[source] = dict(total)
    return summed
