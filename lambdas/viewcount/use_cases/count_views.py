"""Count a batch of logged views exactly once, then push the counts to every reader.

Per batch: one update per page (counts, title, sources, the page's readers) and one for
the site's totals; a page that does not exist yet is created only while the site has fewer
pages than its limit, and past it the views of new pages are counted in `page#(other)`;
then one push to every reader of each page that gained views, with the
counts that include them. The sequence numbers of views whose writes or pushes failed are
handed back, for the stream to deliver them again; the counters' positions make that safe.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from viewcount.observability import count, logger
from viewcount.tables.page_counts import (
    OTHER_PAGES_KEY,
    SITE_KEY,
    TOTAL_VIEWS,
    Item,
    PageCountsTable,
    SiteCounts,
    is_limited_key,
    number,
    page_parts,
    pages_of,
    readers_of,
    site_counts_of,
    site_parts,
    source_names,
)
from viewcount.tables.visitor_days import LoggedView
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
    # Pages this instance has written: they exist, whatever the page limit.
    written_pages: set[str] = field(default_factory=set)
    # The site's `pages` as last seen (None: not read yet), plus the pages created since.
    site_pages: int | None = None
    # Each connection's latest page, as this instance has counted it: a connection that moved
    # on (an SPA's navigation) no longer reads its earlier pages, and is not pushed their counts.
    latest_pages: dict[str, str] = field(default_factory=dict)

    def note_latest(self, views: Iterable[LoggedView], counted_in: dict[str, str]) -> None:
        for view in views:  # in stream order: the last view of a connection wins
            if view.connection_id:
                self.latest_pages.pop(view.connection_id, None)
                self.latest_pages[view.connection_id] = counted_in.get(view.sequence_number, view.page_key)
        # Bounded: the connections seen longest ago are forgotten first.
        for connection_id in list(self.latest_pages)[: max(0, len(self.latest_pages) - MAX_REMEMBERED_CONNECTIONS)]:
            del self.latest_pages[connection_id]


MAX_REMEMBERED_CONNECTIONS = 100_000


class CountViews:
    def __init__(
        self,
        counters: PageCountsTable,
        push: PushCounts,
        memory: WarmInstanceMemory | None = None,
        *,
        page_limit: int,
    ) -> None:
        self.counters = counters
        self.push = push
        self.memory = memory or WarmInstanceMemory()
        self.page_limit = page_limit

    def count_batch(self, views: list[LoggedView], shard: str, now: int) -> set[str]:
        """Count and push one shard's batch; returns the sequence numbers not done."""
        pages = group_by(views, lambda view: view.page_key)
        items, created, failed = self._count_pages(pages, shard, now)
        count("ViewsCounted", len(views) - len(failed))
        self.memory.note_latest(views, {view.sequence_number: key for key, group in pages.items() for view in group})
        site = None
        if views:
            try:
                site_item = self.counters.add_views(SITE_KEY, views, shard, site_parts(created), now=now)
                site = site_counts_of(site_item)
                self.memory.site_pages = max(pages_of(site_item), self.memory.site_pages or 0)
            except Exception:
                logger.exception("site counts not written")
                failed |= ids(views)
        return failed | self._push_pages(items, pages, site, now)

    def _may_create(self, page_key: str) -> bool:
        """Whether a write may create the page's item: a page this instance has written
        exists, a named page always may, and a new article or path only below the limit."""
        memory = self.memory
        if page_key in memory.written_pages or not is_limited_key(page_key):
            return True
        if memory.site_pages is None:
            memory.site_pages = self.counters.pages()
        return memory.site_pages < self.page_limit

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
    ) -> tuple[dict[str, Item], int, set[str]]:
        """Each page's counter item after this batch, how many were created, and the records
        whose page was not written. The views of pages past the limit move to `(other)` in
        `pages`, in stream order."""
        items, created, failed, folded = {}, 0, set(), []
        for page_key, page_views in list(pages.items()):
            item = self._count_page(page_key, page_views, shard, now, failed)
            if item is None:
                continue
            if not item:
                folded += pages.pop(page_key)
                continue
            items[page_key] = item
            if is_limited_key(page_key) and number(item, TOTAL_VIEWS) == len(page_views):
                created += 1
                if self.memory.site_pages is not None:
                    self.memory.site_pages += 1
        if folded:
            count("ViewsOfPagesPastLimit", len(folded))
            pages[OTHER_PAGES_KEY] = sorted(folded, key=lambda view: view.sequence)
            if item := self._count_page(OTHER_PAGES_KEY, pages[OTHER_PAGES_KEY], shard, now, failed):
                items[OTHER_PAGES_KEY] = item
        return items, created, failed

    def _count_page(
        self, page_key: str, views: list[LoggedView], shard: str, now: int, failed: set[str]
    ) -> Item | None:
        """The page's item after adding `views`; empty when the page is past the limit and
        was not written; None when the write failed (the views are then in `failed`)."""
        departed = self.memory.departed_readers
        gone = departed.pop(page_key, set())
        try:
            parts = page_parts(self._known_sources(page_key, views), frozenset(gone))
            item = self.counters.add_views(
                page_key, views, shard, parts, now=now, existing_only=not self._may_create(page_key)
            )
        except Exception:
            departed.setdefault(page_key, set()).update(gone)
            logger.exception("page counts not written", extra={"page": page_key})
            failed |= ids(views)
            return None
        if item:
            self.memory.page_sources[page_key] = source_names(item)
            self.memory.written_pages.add(page_key)
        return item

    def _push_pages(
        self, items: dict[str, Item], pages: dict[str, list[LoggedView]], site: SiteCounts | None, now: int
    ) -> set[str]:
        departed = self.memory.departed_readers
        failed = set()
        for page_key, item in items.items():
            page_views = pages[page_key]
            arrived = {view.connection_id for view in page_views if view.connection_id}
            latest = self.memory.latest_pages
            moved = {reader for reader in readers_of(item, now)[0] if latest.get(reader, page_key) != page_key}
            if moved:
                # Forgotten by the page's next counting write, as a reader found gone is.
                departed.setdefault(page_key, set()).update(moved)
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
