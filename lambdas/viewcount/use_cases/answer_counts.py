"""Answer counts: the counts of up to 100 articles and paths, for index pages and for a
page whose reader is not counted. No view is counted.

The WebSocket `counts` route asks in a JSON frame; the HTTP API's `GET /counts` asks in its
query string, and its answer also carries the site's totals (a page that sent its view by
beacon gets no push, so this is where busuanzi's site slots fill from)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from viewcount import errors
from viewcount.errors import RejectedFrame
from viewcount.pages import Page
from viewcount.sites import Sites
from viewcount.tables.page_counts import PageCountsTable, counter_key, counts_of, site_counts_of, site_key
from viewcount.views import page_of_path, site_of_view
from viewcount.wire import counts_frame, parse_counts_request, parse_frame


def answer_counts(counters: PageCountsTable, sites: Sites, origin: str | None, body: str | None) -> dict[str, Any]:
    """The `counts` frame answering a request frame; a page never viewed has zero views. A
    path is the page a view of it is counted as (the home path is `Home_Page`), on the site
    its origin and path prefix pick; an article is on the site of the first path asked for,
    or else the origin's first site. RejectedFrame when the request is malformed, or names a
    page under no site of its origin."""
    return _answer(counters, sites, origin, parse_frame(body), with_site=False)


def answer_counts_query(counters: PageCountsTable, sites: Sites, origin: str | None, query: str) -> dict[str, Any]:
    """The same answer to `?paths=/a/&paths=/b/&articleIds=x` (names are case-insensitive, as
    in frames; a name may repeat), with the site's totals as `site`, in the same read."""
    fields: dict[str, Any] = {}
    for name, values in parse_qs(query, keep_blank_values=True).items():
        fields.setdefault(name.lower(), []).extend(values)
    return _answer(counters, sites, origin, fields, with_site=True)


def _answer(
    counters: PageCountsTable, sites: Sites, origin: str | None, fields: dict[str, Any], *, with_site: bool
) -> dict[str, Any]:
    request = parse_counts_request(fields)
    path_keys = {path: _path_key(sites, origin, path) for path in request.paths}
    site = site_of_view(sites, origin, request.paths[0]) if request.paths else sites.of_origin(origin)
    if site is None:
        raise RejectedFrame(errors.UNKNOWN_PAGE, "the origin is no site's")
    id_keys = {article_id: counter_key(site.id, Page.post(article_id)) for article_id in request.article_ids}
    keys = [*id_keys.values(), *path_keys.values()] + ([site_key(site.id)] if with_site else [])
    found = counters.get_items(keys) if keys else {}

    def numbers(key: str) -> tuple[int, int]:
        if key not in found:
            return 0, 0
        counts = counts_of(found[key])
        return counts.total_views, counts.unique_views

    frame = counts_frame(
        {article_id: numbers(key) for article_id, key in id_keys.items()},
        {path: numbers(key) for path, key in path_keys.items()} if request.paths else None,
    )
    if with_site:
        totals = site_counts_of(found.get(site_key(site.id), {}))
        frame["site"] = {"totalViews": totals.total_views, "uniqueViews": totals.unique_views}
    return frame


def _path_key(sites: Sites, origin: str | None, path: str) -> str:
    site = site_of_view(sites, origin, path)
    return counter_key(site.id, page_of_path(site, path))
