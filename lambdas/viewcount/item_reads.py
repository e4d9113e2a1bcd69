"""Reading many items: by key with BatchGetItem, unprocessed keys included, and every page of a Query."""

from __future__ import annotations

import time
from typing import Any

BATCH_GET_LIMIT = 100  # keys per BatchGetItem
# Keys left unprocessed come back in a successful answer, which botocore does not retry:
# back off before asking again, as DynamoDB asks, instead of calling back to back.
_FIRST_BACKOFF_SECONDS = 0.05
_MAX_BACKOFF_SECONDS = 1.0


def batch_get_items(
    dynamodb: Any, table: str, keys: list[dict[str, Any]], projection: str | None = None
) -> list[dict[str, Any]]:
    """Every item found under `keys` (in DynamoDB's typed form), in no particular order."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request: dict[str, Any] = {"Keys": keys[start : start + BATCH_GET_LIMIT]}
        if projection:
            request["ProjectionExpression"] = projection
        backoff = _FIRST_BACKOFF_SECONDS
        while True:
            response = dynamodb.batch_get_item(RequestItems={table: request})
            found += response["Responses"].get(table, [])
            unprocessed = response.get("UnprocessedKeys", {}).get(table, {}).get("Keys")
            if not unprocessed:
                break
            time.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)
            request = {**request, "Keys": unprocessed}
    return found


def query_all(dynamodb: Any, request: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item a Query finds (in DynamoDB's typed form), page after page, in its order."""
    request = dict(request)
    items: list[dict[str, Any]] = []
    while True:
        response = dynamodb.query(**request)
        items += response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
