"""Answer counts: the counts of up to 100 articles and paths, for index pages and for a
page whose reader is not counted. No view is counted."""

from __future__ import annotations

from typing import Any

from viewcount import errors
from viewcount.errors import RejectedFrame
from viewcount.pages import Page, classify
from viewcount.sites import Sites
from viewcount.tables.page_counts import PageCountsTable, counter_key, counts_of
from viewcount.views import site_of_view
from viewcount.wire import counts_frame, parse_counts_request, parse_frame


def answer_counts(counters: PageCountsTable, sites: Sites, origin: str | None, body: str | None) -> dict[str, Any]:
    """The `counts` frame answering a request; a page never viewed has zero views. A path
    is the page a view of it is counted as (the home path is `Home_Page`), on the site its
    origin and path prefix pick; an article is on the site of the first path asked for, or
    else the origin's first site. RejectedFrame when the request is malformed, or names a
    page under no site of its origin."""
    request = parse_counts_request(parse_frame(body))
    path_keys = {path: _path_key(sites, origin, path) for path in request.paths}
    site = site_of_view(sites, origin, request.paths[0]) if request.paths else sites.of_origin(origin)
    if site is None:
        raise RejectedFrame(errors.UNKNOWN_PAGE, "the origin is no site's")
    id_keys = {article_id: counter_key(site.id, Page.post(article_id)) for article_id in request.article_ids}
    keys = [*id_keys.values(), *path_keys.values()]
    found = counters.get_items(keys) if keys else {}

    def numbers(key: str) -> tuple[int, int]:
        if key not in found:
            return 0, 0
        counts = counts_of(found[key])
        return counts.total_views, counts.unique_views

    return counts_frame(
        {article_id: numbers(key) for article_id, key in id_keys.items()},
        {path: numbers(key) for path, key in path_keys.items()} if request.paths else None,
    )


def _path_key(sites: Sites, origin: str | None, path: str) -> str:
    site = site_of_view(sites, origin, path)
    return counter_key(site.id, classify(path, None, site.page_rules, article=False))
