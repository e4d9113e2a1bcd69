"""Answer counts: the counts of up to 100 articles, for index pages. No view is counted."""

from __future__ import annotations

from typing import Any

from viewcount.pages import Page
from viewcount.tables.page_counts import PageCountsTable, page_key
from viewcount.wire import counts_frame, parse_counts_request, parse_frame


def answer_counts(counters: PageCountsTable, body: str | None) -> dict[str, Any]:
    """The `counts` frame answering a request; an article never viewed has zero views.
    RejectedFrame when the request is malformed."""
    article_ids = parse_counts_request(parse_frame(body))
    keys = {article_id: page_key(Page.post(article_id)) for article_id in article_ids}
    found = counters.read_counts(list(keys.values())) if keys else {}
    return counts_frame({article_id: found.get(key, (0, 0)) for article_id, key in keys.items()})
