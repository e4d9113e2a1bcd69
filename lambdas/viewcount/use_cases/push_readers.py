"""Answer coalesced push requests: push a busy page's current counts to all its readers.

The counting function pushes a page's new viewers at once, and asks for this push at most
once per interval for the page's other readers; the counts are read when the push is due,
so it carries every view counted until then.
"""

from __future__ import annotations

from collections.abc import Sequence

from viewcount.push_requests import PushRequest
from viewcount.tables.page_counts import SITE_KEY, PageCountsTable, site_counts_of
from viewcount.tables.readers import ReaderLog
from viewcount.use_cases.count_views import note_outcome, refresh_readers
from viewcount.use_cases.push_counts import Audience, PushCounts


class PushReaders:
    def __init__(self, counters: PageCountsTable, readers: ReaderLog, push: PushCounts) -> None:
        self.counters = counters
        self.readers = readers
        self.push = push

    def push_pages(self, requests: Sequence[PushRequest], now: int) -> set[str]:
        """Push each requested page; returns the keys of pages whose push failed."""
        refresh_readers(self.readers, now)
        keys = sorted({request.page_key for request in requests})
        items = self.counters.get_items([*keys, SITE_KEY])
        site = site_counts_of(items[SITE_KEY]) if SITE_KEY in items else None
        reading_site = self.readers.reading_site(now)
        failed = set()
        for page_key in keys:
            item = items.get(page_key)
            readers = self.readers.readers(page_key, now)
            if item is None or not readers:
                continue  # nothing counted there, or nobody left to tell
            outcome = self.push.push(item, site, Audience((), readers, reading_site=reading_site))
            if not note_outcome(outcome, self.readers, page_key, now):
                failed.add(page_key)
        # The connections found closed go into the log for the other instances.
        self.readers.write({}, now)
        return failed
