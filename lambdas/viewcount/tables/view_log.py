"""The ViewLog table: one item per view, keyed by its id, written by the queue consumers.

SNS and SQS deliver at least once. Writing a redelivered view again puts the same item
over itself: DynamoDB writes no stream record for a write that changes nothing, and the
counting function reads only INSERT records, so the stream carries every view once.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

PARTITION_KEY = "viewId"
EXPIRES_AT = "expiresAt"
# Longer than any redelivery can come: SQS keeps a message 4 days and a DLQ 14 days, and a
# view logged again after its item expired would be counted again.
VIEW_LOG_TTL_SECONDS = 15 * 24 * 3600
BATCH_WRITE_LIMIT = 25
_RETRIES = 3
# Sequence numbers are decimal strings of varying length; fixed width makes them compare
# as strings, which is all a DynamoDB condition can do with them.
_SEQUENCE_WIDTH = 48


@dataclass(frozen=True)
class LoggedView:
    """A view as the view log's stream delivers it."""

    sequence_number: str  # as the stream gives it: the record's id in batch responses
    page_key: str
    unique: bool
    article_title: str | None = None
    referrer_host: str | None = None
    connection_id: str | None = None
    connected_at: int | None = None
    campaign: tuple[tuple[str, str], ...] = ()  # (utm parameter, value)

    @property
    def sequence(self) -> str:
        """The sequence number at a fixed width, so that it compares as a string."""
        return self.sequence_number.zfill(_SEQUENCE_WIDTH)


def logged_view(sequence_number: str, image: dict[str, Any]) -> LoggedView:
    """From a deserialised NEW_IMAGE; KeyError or ValueError when it is not a logged view."""
    if not isinstance(image["pageKey"], str):
        raise ValueError("pageKey is not a string")
    connected_at = image.get("connectedAt")
    campaign = image.get("campaign") or {}
    return LoggedView(
        sequence_number=sequence_number,
        page_key=image["pageKey"],
        unique=bool(image.get("unique")),
        article_title=image.get("articleTitle"),
        referrer_host=image.get("referrerHost"),
        connection_id=image.get("connectionId"),
        connected_at=int(connected_at) if connected_at is not None else None,
        campaign=tuple(sorted((str(name), str(value)) for name, value in campaign.items())),
    )


def parse_view_message(body: str) -> dict[str, Any]:
    """A fanned-out view message (viewcount.views.AcceptedView.sns_message); ValueError when
    it is not one. Parsed here, not there, so that the queue consumers import no more."""
    view = json.loads(body)
    if not isinstance(view, dict):
        raise ValueError("not a view message")
    for name, kind in (("viewId", str), ("pageKey", str), ("connectionId", str), ("viewedAt", int)):
        if not isinstance(view.get(name), kind):
            raise ValueError(f"{name} is missing or not a {kind.__name__}")
    return view


def view_log_item(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The item of a fanned-out view message. It is a function of the message alone, so every
    redelivery writes the same item."""
    item: dict[str, dict[str, Any]] = {
        PARTITION_KEY: {"S": view["viewId"]},
        "pageKey": {"S": view["pageKey"]},
        "unique": {"BOOL": bool(view.get("unique"))},
        "connectionId": {"S": view["connectionId"]},
        "connectedAt": {"N": str(int(view.get("connectedAt", view["viewedAt"])))},
        EXPIRES_AT: {"N": str(view["viewedAt"] + VIEW_LOG_TTL_SECONDS)},
    }
    for name in ("articleTitle", "referrerHost"):
        if isinstance(view.get(name), str):
            item[name] = {"S": view[name]}
    campaign = view.get("campaign")
    if isinstance(campaign, dict) and campaign:
        item["campaign"] = {"M": {name: {"S": str(value)} for name, value in sorted(campaign.items())}}
    return item


class ViewLogTable:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table

    def put(self, items: list[dict[str, Any]]) -> set[str]:
        """Write up to 25 items, retrying what DynamoDB leaves unprocessed; returns the view ids left."""
        requests = [{"PutRequest": {"Item": item}} for item in items]
        for attempt in range(_RETRIES):
            response = self._dynamodb.batch_write_item(RequestItems={self._table: requests})
            requests = response.get("UnprocessedItems", {}).get(self._table, [])
            if not requests:
                return set()
            time.sleep(0.05 * 2**attempt)
        return {request["PutRequest"]["Item"][PARTITION_KEY]["S"] for request in requests}
