"""Answer coalesced push requests: push a busy page's current counts to all its readers.

The counting function asks for this push with a batch when the page's last one is about an
interval old, and as a delayed fallback for views that no later batch carries; the counts
are read when the push is made, so it carries every view counted until then.
"""

from __future__ import annotations

from collections.abc import Sequence

from viewcount.observability import count
from viewcount.push_requests import PushRequest
from viewcount.tables.page_counts import PageCountsTable, site_counts_of, site_key, site_of_key
from viewcount.tables.readers import ReaderLog
from viewcount.use_cases.push_counts import Audience, PushCounts, PushPolicy, note_outcome, refresh_readers


class PushReaders:
    def __init__(
        self, counters: PageCountsTable, readers: ReaderLog, push: PushCounts, policy: PushPolicy | None = None
    ) -> None:
        self.counters = counters
        self.readers = readers
        self.push = push
        self.policy = policy or PushPolicy()
        # When this instance last pushed each page: a fallback that a later request already
        # served is skipped.
        self.pushed_at: dict[str, int] = {}

    def push_pages(self, requests: Sequence[PushRequest], now: int) -> set[str]:
        """Push each requested page; returns the keys of pages whose push failed."""
        gap = self.policy.batch_gap_seconds
        self.pushed_at = {page: at for page, at in self.pushed_at.items() if at >= now - 3600}
        due = [r for r in requests if self.pushed_at.get(r.page_key, -1) < r.due - gap]
        count("PushRequestsServedAlready", len(requests) - len(due))
        if not due:
            return set()
        refresh_readers(self.readers, now)
        keys = sorted({request.page_key for request in due})
        sites = sorted({site_of_key(key) for key in keys})
        items = self.counters.get_items([*keys, *map(site_key, sites)])
        totals = {site: site_counts_of(items[site_key(site)]) for site in sites if site_key(site) in items}
        reading_sites = {site: self.readers.reading_site(site, now) for site in sites}
        failed = set()
        for page_key in keys:
            item = items.get(page_key)
            readers = self.readers.readers(page_key, now)
            if item is None or not readers:
                continue  # nothing counted there, or nobody left to tell
            site = site_of_key(page_key)
            audience = Audience((), readers, reading_site=reading_sites[site], moved_on=self.readers.moved_on)
            outcome = self.push.push(item, totals.get(site), audience)
            self.pushed_at[page_key] = now
            if not note_outcome(outcome, self.readers, page_key, now):
                failed.add(page_key)
        # The connections found closed go into the log for the other instances.
        self.readers.write({}, now)
        return failed
