"""Answer counts: the counts of up to 100 articles and paths, for index pages and for a
page whose reader is not counted. No view is counted."""

from __future__ import annotations

from typing import Any

from viewcount.pages import Page, PageRules, classify
from viewcount.tables.page_counts import PageCountsTable, page_key
from viewcount.wire import counts_frame, parse_counts_request, parse_frame


def answer_counts(counters: PageCountsTable, rules: PageRules, body: str | None) -> dict[str, Any]:
    """The `counts` frame answering a request; a page never viewed has zero views. A path
    is the page a view of it is counted as (the home path is `Home_Page`). RejectedFrame
    when the request is malformed."""
    request = parse_counts_request(parse_frame(body))
    id_keys = {article_id: page_key(Page.post(article_id)) for article_id in request.article_ids}
    path_keys = {path: page_key(classify(path, None, rules, article=False)) for path in request.paths}
    keys = [*id_keys.values(), *path_keys.values()]
    found = counters.read_counts(keys) if keys else {}
    return counts_frame(
        {article_id: found.get(key, (0, 0)) for article_id, key in id_keys.items()},
        {path: found.get(key, (0, 0)) for path, key in path_keys.items()} if request.paths else None,
    )
