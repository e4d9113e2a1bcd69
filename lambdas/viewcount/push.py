"""Pushing fresh counts to every reader of a page."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from viewcount.item_reads import batch_get_items
from viewcount.pages import Page, page_from_key

Poster = Callable[[str, bytes], None]
Prober = Callable[[str], None]


@dataclass(frozen=True)
class PageCounts:
    page: Page
    total_views: int
    unique_views: int


@dataclass(frozen=True)
class SiteCounts:
    total_views: int
    unique_views: int

    @classmethod
    def of(cls, item: dict[str, Any]) -> SiteCounts:
        return cls(number(item, "totalViews"), number(item, "uniqueViews"))


def number(item: dict[str, Any], name: str) -> int:
    """A number attribute of a typed item; 0 when the item has none."""
    return int(item.get(name, {}).get("N", "0"))


@dataclass
class PushOutcome:
    delivered: int = 0
    gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def counts_of(item: dict[str, Any]) -> PageCounts:
    """Counts from a counter item in DynamoDB's typed form (`pageKey` is `post#...` or `page#...`)."""
    return PageCounts(page_from_key(item["pageKey"]["S"]), number(item, "totalViews"), number(item, "uniqueViews"))


def read_article_counts(dynamodb: Any, table: str, article_ids: list[str]) -> dict[str, dict[str, int]]:
    """Counts for up to 100 articles from the counts table; an article never viewed has zero views."""
    counts = {article_id: {"totalViews": 0, "uniqueViews": 0} for article_id in article_ids}
    keys = [{"pageKey": {"S": f"post#{article_id}"}} for article_id in article_ids]
    for item in batch_get_items(dynamodb, table, keys, "pageKey, totalViews, uniqueViews"):
        article_id = item["pageKey"]["S"].removeprefix("post#")
        counts[article_id] = {"totalViews": number(item, "totalViews"), "uniqueViews": number(item, "uniqueViews")}
    return counts


def views_frame(counts: PageCounts, reading_now: int, site: SiteCounts | None = None) -> bytes:
    frame: dict[str, Any] = {
        "message": "views",
        **counts.page.wire_fields(),
        "totalViews": counts.total_views,
        "uniqueViews": counts.unique_views,
        "readingNow": reading_now,
    }
    if site is not None:
        frame["site"] = {"totalViews": site.total_views, "uniqueViews": site.unique_views}
    return json.dumps(frame, separators=(",", ":")).encode()


def is_gone(error: Exception) -> bool:
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error.response["Error"]["Code"] == "GoneException" or status == 410


def push_to_connections(post: Poster, connection_ids: Iterable[str], frame: bytes) -> PushOutcome:
    outcome = PushOutcome()
    for connection_id in connection_ids:
        try:
            post(connection_id, frame)
        except ClientError as error:
            (outcome.gone if is_gone(error) else outcome.failed).append(connection_id)
        else:
            outcome.delivered += 1
    return outcome


def still_open(probe: Prober, connection_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split connections into open and gone by asking API Gateway about each.

    A GET on a connection is not a billed message, and it keeps a reader who left from
    being counted in "reading now".
    """
    open_, gone = [], []
    for connection_id in connection_ids:
        try:
            probe(connection_id)
        except ClientError as error:
            if not is_gone(error):
                raise
            gone.append(connection_id)
        else:
            open_.append(connection_id)
    return open_, gone


def management_poster(client: Any) -> Poster:
    def post(connection_id: str, data: bytes) -> None:
        client.post_to_connection(ConnectionId=connection_id, Data=data)

    return post


def management_prober(client: Any) -> Prober:
    def probe(connection_id: str) -> None:
        client.get_connection(ConnectionId=connection_id)

    return probe
