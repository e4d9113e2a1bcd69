"""The Visits table: one record per visitor, page and day, so that a page's unique views
grow once per visitor a day. A record is a hash that names neither (PRIVACY.md)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from botocore.exceptions import ClientError

from viewcount.visitors import start_of_day

PARTITION_KEY = "visitId"
EXPIRES_AT = "expiresAt"
# A visit record matters during its day only; it expires 48 h after the day began.
VISIT_LIFETIME_SECONDS = 48 * 3600


def visit_id(day: str, key: bytes, page_key: str) -> str:
    """The record of one visitor on one page on one day. Keyed by the visitor key, so two
    pages' records of one visitor share nothing that would link them."""
    return f"{day}#{hmac.new(key, page_key.encode(), hashlib.sha256).hexdigest()[:32]}"


class VisitsTable:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table

    def first_visit(self, record_id: str, now: int) -> bool:
        """Record the visit; True if it is the first of its visitor on its page that day."""
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item={
                    PARTITION_KEY: {"S": record_id},
                    EXPIRES_AT: {"N": str(start_of_day(now) + VISIT_LIFETIME_SECONDS)},
                },
                # An expired record that TTL has not deleted yet does not count.
                ConditionExpression=f"attribute_not_exists({PARTITION_KEY}) OR {EXPIRES_AT} <= :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def forget(self, record_id: str) -> None:
        """Undo a visit record, so that the view it was made for counts as unique when sent again."""
        self._dynamodb.delete_item(TableName=self._table, Key={PARTITION_KEY: {"S": record_id}})
