"""The view log: one item per view, keyed by its id, written by the queue consumers.

SNS and SQS deliver at least once. Writing a redelivered view again puts the same item
over itself: DynamoDB writes no stream record for a write that changes nothing, and the
counting function reads only INSERT records, so the stream carries every view once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from viewcount.observability import logger

# Longer than any redelivery can come: SQS keeps a message 4 days and a DLQ 14 days, and a
# view logged again after its item expired would be counted again.
VIEW_LOG_TTL_SECONDS = 15 * 24 * 3600
BATCH_WRITE_LIMIT = 25
_RETRIES = 3


def parse_view_body(body: str) -> dict[str, Any]:
    """The view the fan-out carries; ValueError when it is not one."""
    view = json.loads(body)
    if not isinstance(view, dict):
        raise ValueError("not a view message")
    for name, kind in (("viewId", str), ("pageKey", str), ("connectionId", str), ("viewedAt", int)):
        if not isinstance(view.get(name), kind):
            raise ValueError(f"{name} is missing or not a {kind.__name__}")
    return view


def view_log_item(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The item is a function of the message alone, so every redelivery writes the same item."""
    item: dict[str, dict[str, Any]] = {
        "viewId": {"S": view["viewId"]},
        "pageKey": {"S": view["pageKey"]},
        "unique": {"BOOL": bool(view.get("unique"))},
        "connectionId": {"S": view["connectionId"]},
        "connectedAt": {"N": str(int(view.get("connectedAt", view["viewedAt"])))},
        "expiresAt": {"N": str(view["viewedAt"] + VIEW_LOG_TTL_SECONDS)},
    }
    for name in ("articleTitle", "referrerHost"):
        if isinstance(view.get(name), str):
            item[name] = {"S": view[name]}
    campaign = view.get("campaign")
    if isinstance(campaign, dict) and campaign:
        item["campaign"] = {"M": {name: {"S": str(value)} for name, value in sorted(campaign.items())}}
    return item


def log_views(dynamodb: Any, table: str, records: Iterable[tuple[str, str]]) -> tuple[set[str], set[str]]:
    """Write one item per view; returns the record ids that failed and those that are malformed.

    Two deliveries of one view in one batch are one item (BatchWriteItem refuses a key
    twice); both records succeed or fail with it.
    """
    records_of: dict[str, list[str]] = {}
    items: dict[str, dict[str, Any]] = {}
    malformed: set[str] = set()
    for record_id, body in records:
        try:
            view = parse_view_body(body)
        except (ValueError, TypeError):
            malformed.add(record_id)
            continue
        items[view["viewId"]] = view_log_item(view)
        records_of.setdefault(view["viewId"], []).append(record_id)

    failed_views: set[str] = set()
    view_ids = list(items)
    for start in range(0, len(view_ids), BATCH_WRITE_LIMIT):
        chunk = view_ids[start : start + BATCH_WRITE_LIMIT]
        try:
            failed_views |= _write_chunk(dynamodb, table, [items[view_id] for view_id in chunk])
        except Exception:
            logger.exception("view log write failed", extra={"views": len(chunk)})
            failed_views |= set(chunk)
    return {record for view_id in failed_views for record in records_of[view_id]}, malformed


def _write_chunk(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> set[str]:
    """Write up to 25 items, retrying what DynamoDB leaves unprocessed; returns the view ids left."""
    requests = [{"PutRequest": {"Item": item}} for item in items]
    for attempt in range(_RETRIES):
        response = dynamodb.batch_write_item(RequestItems={table: requests})
        requests = response.get("UnprocessedItems", {}).get(table, [])
        if not requests:
            return set()
        time.sleep(0.05 * 2**attempt)
    return {request["PutRequest"]["Item"]["viewId"]["S"] for request in requests}
