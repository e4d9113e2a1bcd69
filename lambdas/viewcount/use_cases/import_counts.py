"""Import numbers counted elsewhere: busuanzi's, another analytics tool's, Viewcount's own
export, or a deployment's counts from the layout before sites (`./admin.sh migrate`).

Every import source's numbers have one home, apart from the views Viewcount counted: an
`import:<source>` map on the page's (or the site's) counter for its lifetime totals, and on
its day in the history for each day. A map is set, never added to, so running the same
source again replaces what it brought before: an import is idempotent and can be resumed
anywhere. The totals shown and pushed are the counted views plus every source's; the
history's days and ranges include them too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from viewcount.sites import Site
from viewcount.tables.history import SITE_DAY, HistoryTable
from viewcount.tables.page_counts import (
    PAGES,
    TOTAL_VIEWS,
    UNIQUE_VIEWS,
    PageCountsTable,
    Tally,
    Upkeep,
    counter_key,
    is_listed,
    is_page_part,
    is_source,
    site_key,
)

SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


class ImportRefused(ValueError):
    """Numbers that cannot be imported as given; nothing was written."""


@dataclass(frozen=True)
class Imported:
    """What a source brought to a page or to the site, for ever or on one day."""

    views: int
    unique: int = 0  # a page's unique views; the site's visitors
    sources: Mapping[str, int] = field(default_factory=dict)  # `referrer:<host>`, `utm_source:<value>`...
    # The site's only: pages it had, which count towards its page limit as its own do.
    pages: int = 0

    def tally(self) -> Tally:
        return {
            TOTAL_VIEWS: self.views,
            UNIQUE_VIEWS: self.unique,
            **self.sources,
            **({PAGES: self.pages} if self.pages else {}),
        }


@dataclass(frozen=True)
class ImportPlan:
    """A source's numbers for one site: lifetime totals and days, by page (`post#x`,
    `path#/x`, `page#Home_Page`) or `site`, and titles of articles."""

    source: str
    lifetime: Mapping[str, Imported] = field(default_factory=dict)
    days: Mapping[tuple[str, str], Imported] = field(default_factory=dict)  # (day, page or `site`)
    titles: Mapping[str, str] = field(default_factory=dict)

    def check(self) -> None:
        """ImportRefused with the first problem, before anything is written."""
        if not SOURCE_NAME.fullmatch(self.source):
            raise ImportRefused(f"a source is 1-32 lower-case letters, digits and hyphens (got {self.source!r})")
        parts = [*self.lifetime, *(part for _, part in self.days), *self.titles]
        for part in parts:
            if part != SITE_DAY and not is_page_part(part):
                raise ImportRefused(f"{part!r} is neither a page (post#, path#, page#) nor the site")
        for day, _ in self.days:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise ImportRefused(f"{day!r} is not a day (YYYY-MM-DD)") from None
        for part, imported in (*self.lifetime.items(), *((part, i) for (_, part), i in self.days.items())):
            if imported.pages and part != SITE_DAY:
                raise ImportRefused(f"only the site has a number of pages (not {part})")
            numbers = [imported.views, imported.unique, imported.pages, *imported.sources.values()]
            if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in numbers):
                raise ImportRefused(f"numbers must be whole and not negative (got {imported})")
            if not all(is_source(name) for name in imported.sources):
                raise ImportRefused(f"sources are referrer:<host> or utm_*:<value> (got {sorted(imported.sources)})")


@dataclass
class ImportDone:
    counters: int = 0
    days: int = 0
    pages_listed: int = 0


def import_counts(
    counters: PageCountsTable,
    history: HistoryTable,
    site: Site,
    plan: ImportPlan,
    step: Callable[[], None] | None = None,
) -> ImportDone:
    """Write the plan's numbers as its source's contribution, replacing the source's earlier
    numbers for the same pages, site and days: every lifetime first (so that each page is
    listed and titled however far a stopped run got), then the days, in the plan's order.
    `step()` after each counter and each day written."""
    plan.check()
    done = ImportDone()
    for part, imported in plan.lifetime.items():
        key = site_key(site.id) if part == SITE_DAY else counter_key(site.id, part)
        item = counters.set_import(key, plan.source, imported.tally(), plan.titles.get(part))
        done.counters += 1
        if part != SITE_DAY and not is_listed(item):
            history.list_page(site.id, part)
            counters.upkeep(key, Upkeep(listed=True))
            done.pages_listed += 1
        if step is not None:
            step()
    for (day, part), imported in plan.days.items():
        history.set_import(site, day, part, plan.source, imported.tally())
        done.days += 1
        if step is not None:
            step()
    return done
