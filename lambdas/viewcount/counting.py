"""Aggregating a batch of views, one write per page per batch."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from viewcount.observability import logger

Key = TypeVar("Key", bound=Hashable)


@dataclass
class Tally:
    """The views of one key within one batch, and the records they came from."""

    total: int = 0
    unique: int = 0
    title: str | None = None
    record_ids: list[str] = field(default_factory=list)


def parse_view_body(body: str) -> dict[str, Any]:
    view = json.loads(body)
    if not isinstance(view, dict) or not isinstance(view.get("pageKey"), str):
        raise ValueError("not a view message")
    return view


def tally(
    records: Iterable[tuple[str, str]], key_of: Callable[[dict[str, Any]], Key]
) -> tuple[dict[Key, Tally], set[str]]:
    """Group `(record_id, body)` pairs by key; bodies that do not parse are returned apart."""
    tallies: dict[Key, Tally] = {}
    malformed: set[str] = set()
    for record_id, body in records:
        try:
            view = parse_view_body(body)
            key = key_of(view)
        except (ValueError, KeyError, TypeError):
            malformed.add(record_id)
            continue
        entry = tallies.setdefault(key, Tally())
        entry.total += 1
        entry.unique += 1 if view.get("unique") else 0
        if entry.title is None and isinstance(view.get("articleTitle"), str):
            entry.title = view["articleTitle"]
        entry.record_ids.append(record_id)
    return tallies, malformed


def write_each(tallies: dict[Key, Tally], write: Callable[[Key, Tally], None]) -> set[str]:
    """Write every key; the records of a key whose write failed are returned as failures.

    A failed key never fails its neighbours: their writes succeeded and must not be
    retried, or they would count twice.
    """
    failed: set[str] = set()
    for key, entry in tallies.items():
        try:
            write(key, entry)
        except Exception:
            logger.exception("count write failed", extra={"key": str(key), "records": len(entry.record_ids)})
            failed.update(entry.record_ids)
    return failed


def add_post_counts(dynamodb: Any, table: str, article_id: str, entry: Tally) -> None:
    values = {":total": {"N": str(entry.total)}, ":unique": {"N": str(entry.unique)}}
    expression = "ADD totalViews :total, uniqueViews :unique"
    if entry.title is not None:
        # The first counted view names the article; later views cannot rename it.
        expression += " SET articleTitle = if_not_exists(articleTitle, :title)"
        values[":title"] = {"S": entry.title}
    dynamodb.update_item(
        TableName=table,
        Key={"articleId": {"S": article_id}},
        UpdateExpression=expression,
        ExpressionAttributeValues=values,
    )


def add_page_counts(dynamodb: Any, table: str, page_name: str, entry: Tally) -> None:
    dynamodb.update_item(
        TableName=table,
        Key={"pageName": {"S": page_name}},
        UpdateExpression="ADD totalViews :total, uniqueViews :unique",
        ExpressionAttributeValues={":total": {"N": str(entry.total)}, ":unique": {"N": str(entry.unique)}},
    )


def add_referrer_counts(dynamodb: Any, table: str, key: tuple[str, str], entry: Tally) -> None:
    page_key, host = key
    dynamodb.update_item(
        TableName=table,
        Key={"pageKey": {"S": page_key}, "referrerHost": {"S": host}},
        UpdateExpression="ADD #views :views",
        ExpressionAttributeNames={"#views": "views"},
        ExpressionAttributeValues={":views": {"N": str(entry.total)}},
    )
