"""The dashboard's live numbers: today's views and visitors of a site, who reads it now and
which pages, pushed to its dashboards' WebSockets as views are counted, never polled.

A dashboard's connection is a reader of its own kind in the Readers log (its "page" is
tables.readers.watch_key), never counted as reading the site. `watch` (the route) logs it and
answers with a first `live` frame; the counting function finds it in the log like any reader,
and pushes each counted batch of its site to it. A dashboard sends `watch` again every few
minutes: that keeps its connection from API Gateway's 10-minute idle close and its log entry
fresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from viewcount.observability import count, logger
from viewcount.sites import Site
from viewcount.tables.page_counts import (
    TOTAL_VIEWS,
    UNIQUE_VIEWS,
    Item,
    PageCountsTable,
    day_blocks,
    page_of_key,
    page_part,
    site_key,
    site_of_key,
    title_of,
)
from viewcount.tables.readers import CONNECTION_LIFETIME_SECONDS, Arrival, ReaderLog, watch_key
from viewcount.use_cases.push_counts import Poster, push_to_connections
from viewcount.wire import encode_frame, page_fields

# A live frame names at most this many pages: the ones read now, then the ones just counted.
MAX_LIVE_PAGES = 50


def _today(item: Item | None, day: str) -> tuple[int, int]:
    block = day_blocks(item or {}).get(day)
    return (block.tally.get(TOTAL_VIEWS, 0), block.tally.get(UNIQUE_VIEWS, 0)) if block else (0, 0)


def live_frame(
    site: Site, site_item: Item | None, page_items: Mapping[str, Item], reading: Mapping[str, int], now: float
) -> dict[str, Any]:
    """The `live` frame: the site's today and reading now, and for each page read now or just
    counted, how many read it and (when its counter is at hand) its views today."""
    day = site.day_of(now)
    views, visitors = _today(site_item, day)
    ranked = sorted({*reading, *page_items}, key=lambda key: (-reading.get(key, 0), key))[:MAX_LIVE_PAGES]
    pages = []
    for key in ranked:
        entry: dict[str, Any] = {"key": page_part(key), **page_fields(page_of_key(key)), "reading": reading.get(key, 0)}
        if key in page_items:
            entry["title"] = title_of(page_items[key])
            entry["views"] = _today(page_items[key], day)[0]
        pages.append(entry)
    return {
        "message": "live",
        "site": site.id,
        "day": day,
        "views": views,
        "visitors": visitors,
        "reading": sum(reading.values()),
        "pages": pages,
    }


class WatchLive:
    def __init__(self, counters: PageCountsTable, readers: ReaderLog) -> None:
        self.counters = counters
        self.readers = readers

    def watch(self, site: Site, connection_id: str, connected_at: int, now: int) -> dict[str, Any]:
        """Log the dashboard's connection as its site's watcher; the first `live` frame."""
        arrival = Arrival(watch_key(site.id), connected_at + CONNECTION_LIFETIME_SECONDS)
        self.readers.write({connection_id: arrival}, now)
        self.readers.refresh(now)
        reading = self.readers.index.reading_pages(site.id, now)
        items = self.counters.get_items([site_key(site.id), *reading])
        pages = {key: item for key, item in items.items() if key in reading}
        return live_frame(site, items.get(site_key(site.id)), pages, reading, now)


def push_live(
    post: Poster,
    readers: ReaderLog,
    sites: Sequence[Site],
    site_items: Mapping[str, Item],
    page_items: Mapping[str, Item],
    now: int,
) -> None:
    """After a counted batch: each site's `live` frame to its watchers, if it has any. The views
    are counted already, so a failure here is logged and never fails the batch."""
    for site in sites:
        watchers = readers.readers(watch_key(site.id), now)
        if not watchers:
            continue
        try:
            reading = readers.index.reading_pages(site.id, now)
            pages = {key: item for key, item in page_items.items() if site_of_key(key) == site.id}
            frame = live_frame(site, site_items.get(site_key(site.id)), pages, reading, now)
            outcome = push_to_connections(post, watchers, encode_frame(frame))
        except Exception:
            logger.exception("live numbers not pushed", extra={"site": site.id})
            count("LivePushesFailed", 1)
            continue
        if outcome.gone:
            readers.left(outcome.gone, now)
        count("LivePushes", outcome.delivered)
