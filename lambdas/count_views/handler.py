"""View log stream consumer: count each view exactly once, then push the counts to readers.

Per batch: one update per page (counts, title, referrer hosts, the page's readers) and one
for the site's totals; then one push to every reader of each page that gained views, with
the counts that include them. Records whose writes failed are reported, and the stream
delivers them again; the counters' positions make that safe.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent

from viewcount.batches import EventType, partial_response
from viewcount.counting import (
    LoggedView,
    add_exactly_once,
    group_by,
    logged_view,
    readers_of,
    source_names,
)
from viewcount.observability import count, logger, metrics
from viewcount.pages import SITE_KEY
from viewcount.push import (
    PushOutcome,
    SiteCounts,
    counts_of,
    management_poster,
    management_prober,
    push_to_connections,
    still_open,
    views_frame,
)
from viewcount.settings import Settings

settings = Settings.from_env()
dynamodb = boto3.client("dynamodb")
management_api = boto3.client("apigatewaymanagementapi", endpoint_url=settings.ws_endpoint)
post = management_poster(management_api)
probe = management_prober(management_api)
# Readers found gone, per page, forgotten by that page's next counting write: a write of
# their own would cost as much as the counting. Kept in the warm instance only; a new one
# finds them again by asking. A gone connection id never comes back, so it is safe to drop.
departed: dict[str, set[str]] = {}
# The referrer and campaign counters each page's item has, from its last write here (or
# one read on a cold instance), so that a page's counters stay within MAX_SOURCES_PER_PAGE.
sources: dict[str, frozenset[str]] = {}


def known_sources(page_key: str, views: list[LoggedView]) -> frozenset[str]:
    """The page's referrer and campaign counters, read once per instance, and only for views
    that bring a source: the usual view brings none and needs no read."""
    if not any(view.referrer_host or view.campaign for view in views):
        return sources.get(page_key, frozenset())
    if page_key not in sources:
        item = dynamodb.get_item(TableName=settings.counts_table, Key={"pageKey": {"S": page_key}}).get("Item", {})
        sources[page_key] = source_names(item)
    return sources[page_key]


def read_views(event: DynamoDBStreamEvent) -> tuple[list[LoggedView], set[str]]:
    """The logged views of a batch, and the sequence numbers of records that are none."""
    views, unreadable = [], set()
    for record in event.records:
        sequence_number = record.dynamodb.sequence_number
        try:
            views.append(logged_view(sequence_number, record.dynamodb.new_image))
        except (KeyError, ValueError, TypeError):
            unreadable.add(sequence_number)
    return views, unreadable


def ids(views: list[LoggedView]) -> set[str]:
    return {view.sequence_number for view in views}


def count_pages(pages: dict[str, list[LoggedView]], shard: str, now: int) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Each page's counter item after this batch, and the records whose page was not written."""
    items, failed = {}, set()
    for page_key, page_views in pages.items():
        gone = departed.pop(page_key, set())
        try:
            items[page_key] = add_exactly_once(
                dynamodb, settings.counts_table, {"pageKey": page_key}, page_views, shard,
                now=now, page=True, forget=gone, known_sources=known_sources(page_key, page_views),
            )  # fmt: skip
            sources[page_key] = source_names(items[page_key])
        except Exception:
            departed.setdefault(page_key, set()).update(gone)
            logger.exception("page counts not written", extra={"page": page_key})
            failed |= ids(page_views)
    return items, failed


def count_site(views: list[LoggedView], shard: str, now: int) -> SiteCounts:
    item = add_exactly_once(dynamodb, settings.counts_table, {"pageKey": SITE_KEY}, views, shard, now=now)
    return SiteCounts.of(item)


def push_page(item: dict[str, Any], site: SiteCounts | None, arrived: set[str], now: int) -> PushOutcome:
    """Push a counter item's counts to its readers; remember those who left, to forget them.

    The connections whose views are in this batch have just spoken; the others are asked
    whether they are still open before "reading now" is counted.
    """
    page_key = item["pageKey"]["S"]
    known_gone = departed.get(page_key, set())
    open_readers, closed = readers_of(item, now)
    readers = [connection_id for connection_id in open_readers if connection_id not in known_gone]
    fresh = [connection_id for connection_id in readers if connection_id in arrived]
    open_, left = still_open(probe, [connection_id for connection_id in readers if connection_id not in arrived])
    live = fresh + open_
    outcome = push_to_connections(post, live, views_frame(counts_of(item), len(live), site))
    outcome.gone += left
    if gone := set(outcome.gone) | set(closed):
        departed.setdefault(page_key, set()).update(gone)
    return outcome


def push_pages(
    items: dict[str, dict[str, Any]], pages: dict[str, list[LoggedView]], site: SiteCounts | None, now: int
) -> set[str]:
    failed = set()
    for page_key, item in items.items():
        page_views = pages[page_key]
        try:
            outcome = push_page(item, site, {view.connection_id for view in page_views}, now)
        except Exception:
            logger.exception("counts not pushed", extra={"page": page_key})
            failed |= ids(page_views)
            continue
        count("Pushes", outcome.delivered)
        count("GoneConnections", len(outcome.gone))
        if outcome.failed:
            # Counting is done: a retry of these records only pushes the same counts again.
            count("PushesFailed", len(outcome.failed))
            logger.error("readers not reached", extra={"page": page_key, "readers": len(outcome.failed)})
            failed |= ids(page_views)
    return failed


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Lambda names the shard only in tumbling-window events, which is why the window is on.
    # Without it positions could not be kept apart: fail loudly rather than count wrong.
    shard = event["shardId"]
    now = int(time.time())
    views, unreadable = read_views(DynamoDBStreamEvent(event))
    if unreadable:
        # Not retried: the stack wrote these items itself, so another delivery cannot mend them.
        logger.error("view log records without a view", extra={"sequence_numbers": sorted(unreadable)})
        count("ViewsUnreadable", len(unreadable))
    pages = group_by(views, lambda view: view.page_key)
    items, failed = count_pages(pages, shard, now)
    count("ViewsCounted", len(views) - len(failed))
    site = None
    if views:
        try:
            site = count_site(views, shard, now)
        except Exception:
            logger.exception("site counts not written")
            failed |= ids(views)
    failed |= push_pages(items, pages, site, now)
    response = partial_response(event, failed, EventType.DynamoDBStreams, context)
    # A tumbling-window invocation must hand back a state; the counters keep theirs.
    return {**response, "state": {}}
