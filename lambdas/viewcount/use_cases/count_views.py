"""Count a batch of logged views exactly once, then push the counts to every reader.

Per batch: one update per page (counts, title, sources, the page's readers) and one for
the site's totals; then one push to every reader of each page that gained views, with the
counts that include them. The sequence numbers of views whose writes or pushes failed are
handed back, for the stream to deliver them again; the counters' positions make that safe.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from viewcount.observability import count, logger
from viewcount.tables.page_counts import (
    SITE_KEY,
    SITE_PARTS,
    Item,
    PageCountsTable,
    SiteCounts,
    page_parts,
    site_counts_of,
    source_names,
)
from viewcount.tables.view_log import LoggedView
from viewcount.use_cases.push_counts import PushCounts

Key = TypeVar("Key", bound=Hashable)


def group_by(views: Iterable[LoggedView], key_of: Callable[[LoggedView], Key | None]) -> dict[Key, list[LoggedView]]:
    """Views by key, each list in stream order; views whose key is None are left out."""
    groups: dict[Key, list[LoggedView]] = {}
    for view in views:
        key = key_of(view)
        if key is not None:
            groups.setdefault(key, []).append(view)
    return groups


def ids(views: Iterable[LoggedView]) -> set[str]:
    return {view.sequence_number for view in views}


@dataclass
class WarmInstanceMemory:
    """What one warm instance remembers between batches. A new instance starts empty and
    learns it again: readers by asking API Gateway, sources by one read of the page."""

    # Readers found gone, per page, forgotten by that page's next counting write: a write of
    # their own would cost as much as the counting. A gone connection id never comes back,
    # so dropping it is safe.
    departed_readers: dict[str, set[str]] = field(default_factory=dict)
    # The referrer and campaign counters each page's item has, from its last write here (or
    # one read), so that a page's counters stay within MAX_SOURCES_PER_PAGE.
    page_sources: dict[str, frozenset[str]] = field(default_factory=dict)


class CountViews:
    def __init__(self, counters: PageCountsTable, push: PushCounts, memory: WarmInstanceMemory | None = None) -> None:
        self.counters = counters
        self.push = push
        self.memory = memory or WarmInstanceMemory()

    def count_batch(self, views: list[LoggedView], shard: str, now: int) -> set[str]:
        """Count and push one shard's batch; returns the sequence numbers not done."""
        pages = group_by(views, lambda view: view.page_key)
        items, failed = self._count_pages(pages, shard, now)
        count("ViewsCounted", len(views) - len(failed))
        site = None
        if views:
            try:
                site = site_counts_of(self.counters.add_views(SITE_KEY, views, shard, SITE_PARTS, now=now))
            except Exception:
                logger.exception("site counts not written")
                failed |= ids(views)
        return failed | self._push_pages(items, pages, site, now)

    def _known_sources(self, page_key: str, views: list[LoggedView]) -> frozenset[str]:
        """Read once per instance, and only for views that bring a source: the usual view
        brings none and needs no read."""
        known = self.memory.page_sources
        if not any(view.referrer_host or view.campaign for view in views):
            return known.get(page_key, frozenset())
        if page_key not in known:
            known[page_key] = self.counters.sources_of(page_key)
        return known[page_key]

    def _count_pages(
        self, pages: dict[str, list[LoggedView]], shard: str, now: int
    ) -> tuple[dict[str, Item], set[str]]:
        """Each page's counter item after this batch, and the records whose page was not written."""
        departed = self.memory.departed_readers
        items, failed = {}, set()
        for page_key, page_views in pages.items():
            gone = departed.pop(page_key, set())
            try:
                parts = page_parts(self._known_sources(page_key, page_views), frozenset(gone))
                items[page_key] = self.counters.add_views(page_key, page_views, shard, parts, now=now)
                self.memory.page_sources[page_key] = source_names(items[page_key])
            except Exception:
                departed.setdefault(page_key, set()).update(gone)
                logger.exception("page counts not written", extra={"page": page_key})
                failed |= ids(page_views)
        return items, failed

    def _push_pages(
        self, items: dict[str, Item], pages: dict[str, list[LoggedView]], site: SiteCounts | None, now: int
    ) -> set[str]:
        departed = self.memory.departed_readers
        failed = set()
        for page_key, item in items.items():
            page_views = pages[page_key]
            arrived = {view.connection_id for view in page_views if view.connection_id}
            try:
                outcome = self.push.push(item, site, arrived, departed.get(page_key, set()), now)
            except Exception:
                logger.exception("counts not pushed", extra={"page": page_key})
                failed |= ids(page_views)
                continue
            if gone := set(outcome.gone) | set(outcome.expired):
                departed.setdefault(page_key, set()).update(gone)
            count("Pushes", outcome.delivered)
            count("GoneConnections", len(outcome.gone))
            if outcome.failed:
                # Counting is done: a retry of these records only pushes the same counts again.
                count("PushesFailed", len(outcome.failed))
                logger.error("readers not reached", extra={"page": page_key, "readers": len(outcome.failed)})
                failed |= ids(page_views)
        return failed
