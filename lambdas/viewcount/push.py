"""Pushing fresh counts to every reader of a page."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from viewcount.pages import EventType, Page, page_from_key

Poster = Callable[[str, bytes], None]


@dataclass(frozen=True)
class PageCounts:
    page: Page
    total_views: int
    unique_views: int
    article_title: str | None = None


@dataclass
class PushOutcome:
    delivered: int = 0
    gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def counts_from_image(image: dict[str, Any] | None) -> PageCounts | None:
    """Counts from a writer table's deserialised stream image.

    None for what carries no counts: a REMOVE, a key-only image, a partial item.
    """
    if not image or "totalViews" not in image:
        return None
    if "articleId" in image:
        page = Page(EventType.POST_VIEW, article_id=str(image["articleId"]))
    elif "pageName" in image:
        page = page_from_key(f"page#{image['pageName']}")
    else:
        return None
    title = image.get("articleTitle")
    return PageCounts(page, int(image["totalViews"]), int(image.get("uniqueViews", 0)), title)


def write_reader_counts(dynamodb: Any, table: str, counts: PageCounts) -> bool:
    """Store absolute counts for readers; False when a newer count is already there.

    Counts only grow, so the condition keeps a late or replayed record from moving a
    page's count backwards.
    """
    item = {
        "pageKey": {"S": counts.page.key},
        "totalViews": {"N": str(counts.total_views)},
        "uniqueViews": {"N": str(counts.unique_views)},
    }
    if counts.article_title is not None:
        item["articleTitle"] = {"S": counts.article_title}
    try:
        dynamodb.put_item(
            TableName=table,
            Item=item,
            ConditionExpression="attribute_not_exists(totalViews) OR totalViews <= :total",
            ExpressionAttributeValues={":total": {"N": str(counts.total_views)}},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def read_article_counts(dynamodb: Any, table: str, article_ids: list[str]) -> dict[str, dict[str, int]]:
    """Counts for up to 100 articles; an article never viewed has zero views."""
    counts = {article_id: {"totalViews": 0, "uniqueViews": 0} for article_id in article_ids}
    keys = [{"pageKey": {"S": f"post#{article_id}"}} for article_id in article_ids]
    while keys:
        response = dynamodb.batch_get_item(
            RequestItems={table: {"Keys": keys, "ProjectionExpression": "pageKey, totalViews, uniqueViews"}}
        )
        for item in response["Responses"].get(table, []):
            article_id = item["pageKey"]["S"].removeprefix("post#")
            counts[article_id] = {
                "totalViews": int(item["totalViews"]["N"]),
                "uniqueViews": int(item.get("uniqueViews", {}).get("N", "0")),
            }
        keys = response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    return counts


def views_frame(counts: PageCounts, reading_now: int) -> bytes:
    frame = {
        "message": "views",
        **counts.page.wire_fields(),
        "totalViews": counts.total_views,
        "uniqueViews": counts.unique_views,
        "readingNow": reading_now,
    }
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


def management_poster(client: Any) -> Poster:
    def post(connection_id: str, data: bytes) -> None:
        client.post_to_connection(ConnectionId=connection_id, Data=data)

    return post
