"""The ViewRates table: at most so many views per connection per minute, counted there.

One connection's frames can reach many warm instances at once, so the count cannot live
in memory; it is one conditional write per view on an item per connection and minute.
An instance that saw a connection go over the limit remembers it for the minute and
refuses its further views without a write: the rest of a flood costs invocations and
error frames, not writes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from botocore.exceptions import ClientError

PARTITION_KEY = "rateKey"
EXPIRES_AT = "expiresAt"
# Items outlive their minute a little; TTL deletes them, and old minutes are never read.
RATE_ITEM_LIFETIME_SECONDS = 120
_REMEMBERED = 10_000


def rate_key(connection_id: str, minute: int) -> str:
    # A fixed-length key whatever the id; the view log keeps the id itself anyway.
    return f"{hashlib.sha256(connection_id.encode()).hexdigest()[:32]}#{minute}"


class ViewRateLimit:
    def __init__(self, dynamodb: Any, table: str, views_per_minute: int) -> None:
        self._dynamodb = dynamodb
        self._table = table
        self.views_per_minute = views_per_minute
        self._over: set[tuple[str, int]] = set()

    def allows(self, connection_id: str, now: int) -> bool:
        """Count a view of the connection; False when it is over the minute's limit."""
        minute = now // 60
        if (connection_id, minute) in self._over:
            return False
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key={PARTITION_KEY: {"S": rate_key(connection_id, minute)}},
                UpdateExpression=f"ADD #views :one SET {EXPIRES_AT} = :expires",
                ConditionExpression="attribute_not_exists(#views) OR #views < :limit",
                ExpressionAttributeNames={"#views": "views"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(self.views_per_minute)},
                    ":expires": {"N": str((minute + 1) * 60 + RATE_ITEM_LIFETIME_SECONDS)},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            if len(self._over) >= _REMEMBERED:
                self._over = {entry for entry in self._over if entry[1] == minute}
            self._over.add((connection_id, minute))
            return False
        return True
