"""Keep each site's history from the counters the counting function has just written: move
the blocks of days that are over to the History table, once each, and list every page in its
site's pages index (viewcount.tables.history).

A day's block stays on its counter, costing no write of its own, until the first counting
write of that counter after the day is over. Then the block is saved to the history (one
write per page and day), and the counter's next counting write removes it, as part of that
write (tables/page_counts.Upkeep). A warm instance remembers what it saved and listed, and
what each counter's next write has to do, until the counter shows it done: a retried batch,
whose counter writes may write nothing, saves and lists nothing again. An instance that was
not kept warm finds the block again in the next write's answer and saves it again, which
replaces and never adds, and a counter found holding more than one finished block has them
removed at once, so that no counter grows.

A page nobody views again keeps its last block on its counter, where a range read finds it.
Nothing here can lose a view: a block that is not moved stays where it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from viewcount.observability import count, logger
from viewcount.sites import Site, Sites
from viewcount.tables.history import SITE_DAY, HistoryTable
from viewcount.tables.page_counts import (
    NO_UPKEEP,
    DayBlock,
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
        # This warm instance's memory: what each counter's next counting write also does, the
        # blocks saved (by counter and day) and the pages listed, until the counters show it.
        self._upkeep: dict[str, Upkeep] = {}
        self._saved: dict[str, dict[str, DayBlock]] = {}
        self._listed: set[str] = set()

    def upkeep_for(self, key: str) -> Upkeep:
        """The counter's upkeep, for the counting write about to be made."""
        return self._upkeep.get(key, NO_UPKEEP)

    def after_counting(self, items: Mapping[str, Item], now: int) -> None:
        """`items` are counters as their counting writes left them (pages' and sites')."""
        over: dict[str, str] = {}  # the last day that is over, per site: one zone lookup per site and batch
        for key, item in items.items():
            try:
                site = self.sites.get(site_of_key(key))
                if site.id not in over:
                    over[site.id] = site.day_of(now - MOVE_AFTER_SECONDS)
                self._keep(key, item, site, over[site.id])
            except Exception:
                # The block stays on its counter: the next write of the counter moves it.
                logger.exception("history not kept", extra={"counter": key})
                count("HistoryNotKept", 1)

    def _keep(self, key: str, item: Item, site: Site, over: str) -> None:
        page = is_page_key(key)
        listed = page and not is_listed(item)
        if listed and key not in self._listed:
            self.history.list_page(site.id, page_part(key))
            self._listed.add(key)
        blocks = day_blocks(item)
        # Forget the blocks the counter has dropped: what is remembered is what it still holds.
        remembered = {day: b for day, b in self._saved.get(key, {}).items() if day in blocks}
        saved = []
        for block in blocks.values():
            if block.day >= over:
                continue
            if remembered.get(block.day) != block:
                part = page_part(key) if page else SITE_DAY
                if not self.history.save_block(site, block.day, part, block.generation, block.tally):
                    continue  # a larger copy is there: this one is stale
                remembered[block.day] = block
                count("DaysMoved", 1)
            saved.append(block)
        if remembered:
            self._saved[key] = remembered
        else:
            self._saved.pop(key, None)
        upkeep = Upkeep(tuple(saved), listed)
        if len(saved) > 1:
            # More than one finished block: the counter's writes did not carry their removal
            # (an instance that went cold in between). Remove them now rather than let it grow.
            self.counters.upkeep(key, upkeep)
            upkeep = Upkeep(listed=listed)
        if upkeep == NO_UPKEEP:
            self._upkeep.pop(key, None)
        else:
            self._upkeep[key] = upkeep
