"""Keep each site's history from the counters the counting function has just written: move
the blocks of days that are over to the History table, once each, and list every page in its
site's pages index (viewcount.tables.history).

A day's block stays on its counter, costing no write of its own, until the first counting
write of that counter after the day is over. Then the block is saved to the history (one
write per page and day), and the counter's next counting write removes it, as part of that
write (tables/page_counts.Upkeep). A warm instance remembers what each counter's next write
has to do; an instance that was not kept warm finds the block again in the next write's
answer and saves it again, which replaces and never adds, and a counter found holding more
than one finished block has them removed at once, so that no counter grows.

A page nobody views again keeps its last block on its counter, where a range read finds it.
Nothing here can lose a view: a block that is not moved stays where it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from viewcount.observability import count, logger
from viewcount.sites import Sites
from viewcount.tables.history import SITE_DAY, HistoryTable
from viewcount.tables.page_counts import (
    NO_UPKEEP,
    Item,
    PageCountsTable,
    Upkeep,
    day_blocks,
    is_listed,
    is_page_key,
    page_part,
    site_of_key,
)

# A day's block is moved this long after the day ends, so that the views sent before
# midnight and counted just after (the queues' and the stream's seconds) still join it.
MOVE_AFTER_SECONDS = 600


class KeepHistory:
    def __init__(self, counters: PageCountsTable, history: HistoryTable, sites: Sites) -> None:
        self.counters = counters
        self.history = history
        self.sites = sites
        # What each counter's next counting write also does (this warm instance's memory).
        self._upkeep: dict[str, Upkeep] = {}

    def upkeep_for(self, key: str) -> Upkeep:
        """The counter's upkeep, for the counting write about to be made (once)."""
        return self._upkeep.pop(key, NO_UPKEEP)

    def after_counting(self, items: Mapping[str, Item], now: int) -> None:
        """`items` are counters as their counting writes left them (pages' and sites')."""
        for key, item in items.items():
            try:
                self._keep(key, item, now)
            except Exception:
                # The block stays on its counter: the next write of the counter moves it.
                logger.exception("history not kept", extra={"counter": key})
                count("HistoryNotKept", 1)

    def _keep(self, key: str, item: Item, now: int) -> None:
        site = self.sites.get(site_of_key(key))
        page = is_page_key(key)
        listed = page and not is_listed(item)
        if listed:
            self.history.list_page(site.id, page_part(key))
        over = site.day_of(now - MOVE_AFTER_SECONDS)
        saved = []
        for block in day_blocks(item).values():
            if block.day >= over:
                continue
            if self.history.save_block(
                site, block.day, page_part(key) if page else SITE_DAY, block.generation, block.tally
            ):
                saved.append(block)
                count("DaysMoved", 1)
        upkeep = Upkeep(tuple(saved), listed)
        if len(saved) > 1:
            # More than one finished block: the counter's writes did not carry their removal
            # (an instance that went cold in between). Remove them now rather than let it grow.
            self.counters.upkeep(key, upkeep)
        elif upkeep != NO_UPKEEP:
            self._upkeep[key] = upkeep
