"""Count a batch of logged views exactly once, then push the counts to the pages' readers.

Per batch: one update per page (counts, title, sources, and the views of each day in the
day's block) and one for each site's totals (and days); a page that does not exist yet is
created only while its site has fewer pages than its limit, and past it the views of new
pages are counted in the site's `page#(other)`. Then one entry in the Readers log names
each connection's latest page, and each page that gained views is pushed: its new viewers
and its other readers at once while they are few, else by coalesced pushes, requested from
`push_readers` with a batch or delayed as a fallback. The sites' dashboards that watch get
their live numbers (viewcount.use_cases.watch_live). Last, the blocks of days that are
over move to the history (viewcount.use_cases.keep_history). The sequence numbers of views
whose writes or pushes failed are handed back, for the stream to deliver them again; the
counters' positions make that safe.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from viewcount.observability import count, logger
from viewcount.push_requests import PushRequest, SqsPushRequests
from viewcount.settings import CountViewsSettings
from viewcount.sites import Sites
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import (
    OTHER_PAGES_KEY,
    TOTAL_VIEWS,
    Item,
    PageCountsTable,
    SiteCounts,
    counter_key,
    is_limited_key,
    number,
    page_parts,
    pages_of,
    site_counts_of,
    site_key,
    site_of_key,
    site_parts,
    source_names,
)
from viewcount.tables.readers import CONNECTION_LIFETIME_SECONDS, Arrival, ReaderLog, ReadersTable
from viewcount.tables.visitor_days import LoggedView
from viewcount.use_cases.keep_history import KeepHistory
from viewcount.use_cases.push_counts import Audience, PushCounts, PushPolicy, note_outcome, refresh_readers
from viewcount.use_cases.watch_live import push_live

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
    learns it again: sources by one read of the page, the site's pages by one read."""

    # The referrer and campaign counters each page's item has, from its last write here (or
    # one read), so that a page's counters stay within MAX_SOURCES_PER_PAGE.
    page_sources: dict[str, frozenset[str]] = field(default_factory=dict)
    # Pages this instance has written: they exist, whatever the page limit.
    written_pages: set[str] = field(default_factory=set)
    # Each site's `pages` as last seen (absent: not read yet), plus the pages created since.
    site_pages: dict[str, int] = field(default_factory=dict)
    # Per busy page: when its last coalesced push was requested for a batch, and when its
    # fallback push (for views no later batch carries) is due.
    full_pushes: dict[str, int] = field(default_factory=dict)
    fallbacks: dict[str, int] = field(default_factory=dict)


class PushRequests(Protocol):
    def send(self, request: PushRequest, now: int) -> None: ...


class CountViews:
    def __init__(
        self,
        counters: PageCountsTable,
        readers: ReaderLog,
        push: PushCounts,
        push_requests: PushRequests,
        history: KeepHistory,
        memory: WarmInstanceMemory | None = None,
        *,
        sites: Sites,
        policy: PushPolicy | None = None,
    ) -> None:
        self.counters = counters
        self.readers = readers
        self.push = push
        self.push_requests = push_requests
        self.history = history
        self.memory = memory or WarmInstanceMemory()
        self.sites = sites
        self.policy = policy or PushPolicy()

    @classmethod
    def on_aws(cls, settings: CountViewsSettings, *, dynamodb: Any, management_api: Any) -> CountViews:
        """The use case on the function's own tables, queue and stage."""
        counters = PageCountsTable(dynamodb, settings.counts_table)
        return cls(
            counters,
            ReaderLog(ReadersTable(dynamodb, settings.readers_table)),
            PushCounts.on_aws(management_api),
            SqsPushRequests(settings.push_queue_url),
            KeepHistory(counters, HistoryTable(dynamodb, settings.history_table), settings.sites),
            sites=settings.sites,
            policy=PushPolicy(interval_seconds=settings.push_interval_seconds),
        )

    def count_batch(self, views: list[LoggedView], shard: str, now: int) -> set[str]:
        """Count and push one shard's batch; returns the sequence numbers not done."""
        pages = group_by(views, lambda view: view.page_key)
        items, created, failed = self._count_pages(pages, shard, now)
        count("ViewsCounted", len(views) - len(failed))
        site_totals: dict[str, SiteCounts] = {}
        site_items: dict[str, Item] = {}
        for site, site_views in group_by(views, lambda view: view.site).items():
            try:
                key = site_key(site)
                site_item = site_items[key] = self.counters.add_views(
                    key,
                    site_views,
                    shard,
                    site_parts(shard, created.get(site, 0)),
                    now=now,
                    upkeep=self.history.upkeep_for(key),
                )
                site_totals[site] = site_counts_of(site_item)
                self.memory.site_pages[site] = max(pages_of(site_item), self.memory.site_pages.get(site, 0))
            except Exception:
                logger.exception("site counts not written", extra={"site": site})
                failed |= ids(site_views)
        try:
            self.readers.write(latest_pages(views, pages), now, replaced_connections(views))
        except Exception:
            # Counted already: a retry of these records only logs and pushes again.
            logger.exception("readers not logged")
            return failed | ids(views)
        refresh_readers(self.readers, now)
        failed |= self._push_pages(items, pages, site_totals, now)
        live_sites = [self.sites.get(site) for site in site_totals]
        push_live(self.push.post, self.readers, live_sites, site_items, items, now)
        self.history.after_counting({**items, **site_items}, now)
        return failed

    def _may_create(self, page_key: str) -> bool:
        """Whether a write may create the page's item: a page this instance has written
        exists, a named page always may, and a new article or path only below its site's limit."""
        memory = self.memory
        if page_key in memory.written_pages or not is_limited_key(page_key):
            return True
        site = site_of_key(page_key)
        if site not in memory.site_pages:
            memory.site_pages[site] = self.counters.pages(site)
        return memory.site_pages[site] < self.sites.get(site).page_limit

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
    ) -> tuple[dict[str, Item], dict[str, int], set[str]]:
        """Each page's counter item after this batch, how many each site gained, and the
        records whose page was not written. The views of pages past their site's limit move
        to the site's `(other)` in `pages`, in stream order."""
        items: dict[str, Item] = {}
        created: dict[str, int] = {}
        failed: set[str] = set()
        folded: dict[str, list[LoggedView]] = {}
        for page_key, page_views in list(pages.items()):
            item = self._count_page(page_key, page_views, shard, now, failed)
            if item is None:
                continue
            site = site_of_key(page_key)
            if not item:
                folded.setdefault(site, []).extend(pages.pop(page_key))
                continue
            items[page_key] = item
            if is_limited_key(page_key) and number(item, TOTAL_VIEWS) == len(page_views):
                created[site] = created.get(site, 0) + 1
                if site in self.memory.site_pages:
                    self.memory.site_pages[site] += 1
        for site, site_folded in folded.items():
            count("ViewsOfPagesPastLimit", len(site_folded))
            other = counter_key(site, OTHER_PAGES_KEY)
            pages[other] = sorted(site_folded, key=lambda view: view.sequence)
            if item := self._count_page(other, pages[other], shard, now, failed):
                items[other] = item
        return items, created, failed

    def _count_page(
        self, page_key: str, views: list[LoggedView], shard: str, now: int, failed: set[str]
    ) -> Item | None:
        """The page's item after adding `views`; empty when the page is past the limit and
        was not written; None when the write failed (the views are then in `failed`)."""
        try:
            parts = page_parts(shard, self._known_sources(page_key, views))
            item = self.counters.add_views(
                page_key,
                views,
                shard,
                parts,
                now=now,
                existing_only=not self._may_create(page_key),
                upkeep=self.history.upkeep_for(page_key),
            )
        except Exception:
            logger.exception("page counts not written", extra={"page": page_key})
            failed |= ids(views)
            return None
        if item:
            self.memory.page_sources[page_key] = source_names(item)
            self.memory.written_pages.add(page_key)
        return item

    def _push_pages(
        self,
        items: dict[str, Item],
        pages: dict[str, list[LoggedView]],
        site_totals: dict[str, SiteCounts],
        now: int,
    ) -> set[str]:
        """Every page's new viewers; its other readers at once too while they are few, else
        by coalesced pushes."""
        memory = self.memory
        memory.full_pushes = {p: at for p, at in memory.full_pushes.items() if at >= now - self.policy.interval_seconds}
        memory.fallbacks = {p: at for p, at in memory.fallbacks.items() if at >= now}
        reading_sites = {site: self.readers.reading_site(site, now) for site in site_totals}
        failed = set()
        for page_key, item in items.items():
            site = site_of_key(page_key)
            page_views = pages[page_key]
            on_page = set(self.readers.readers(page_key, now))
            # A connection that moved on to another page within the batch is not on this one.
            arrived = sorted(on_page & {view.connection_id for view in page_views if view.connection_id})
            standing = sorted(on_page.difference(arrived))
            at_once = len(standing) <= self.policy.at_once_readers
            try:
                if not at_once and self._coalesce(page_key, now):
                    arrived = []  # the coalesced push, due now or with the next batch, shows them theirs
                audience = Audience(
                    arrived,
                    standing,
                    probe=at_once,
                    push_standing=at_once,
                    reading_site=reading_sites.get(site),
                    moved_on=self.readers.moved_on,
                )
                outcome = self.push.push(item, site_totals.get(site), audience)
            except Exception:
                logger.exception("counts not pushed", extra={"page": page_key})
                failed |= ids(page_views)
                continue
            if not note_outcome(outcome, self.readers, page_key, now):
                failed |= ids(page_views)
        return failed

    def _coalesce(self, page_key: str, now: int) -> bool:
        """Request the busy page's coalesced push when it is due, else make sure a fallback
        will come. True when the batch's new viewers need no push of their own: the push is
        requested now, or due with the next batch (if that batch never comes, the fallback,
        at most two gaps away, carries them)."""
        interval, gap = self.policy.interval_seconds, self.policy.batch_gap_seconds
        memory = self.memory
        last = memory.full_pushes.get(page_key)
        if last is None or now >= last + interval - gap:
            self.push_requests.send(PushRequest(page_key, now), now)
            memory.full_pushes[page_key] = now
            count("PushesCoalesced", 1)
            return True
        fallback = last + interval
        if memory.fallbacks.get(page_key) != fallback:
            # The push function skips it when a later request already carried these views.
            self.push_requests.send(PushRequest(page_key, fallback), now)
            memory.fallbacks[page_key] = fallback
        return now + gap >= last + interval - gap


def latest_pages(views: list[LoggedView], pages: dict[str, list[LoggedView]]) -> dict[str, Arrival]:
    """Each connection's latest page, as counted (a page past the limit is `(other)`)."""
    counted_in = {view.sequence_number: page_key for page_key, group in pages.items() for view in group}
    return {  # in stream order: a connection's last view names its latest page
        view.connection_id: Arrival(counted_in[view.sequence_number], view.connected_at + CONNECTION_LIFETIME_SECONDS)
        for view in views
        if view.connection_id and view.connected_at is not None and view.sequence_number in counted_in
    }


def replaced_connections(views: list[LoggedView]) -> set[str]:
    """Connections a later view of the same visitor (on another connection) replaced, unless
    they viewed again after that, in stream order."""
    replaced: dict[str, int] = {}
    last_view: dict[str, int] = {}
    for position, view in enumerate(views):
        if view.replaced_connection_id:
            replaced[view.replaced_connection_id] = position
        if view.connection_id:
            last_view[view.connection_id] = position
    return {connection_id for connection_id, at in replaced.items() if last_view.get(connection_id, -1) < at}
