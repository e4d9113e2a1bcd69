"""The Salts table: one random salt per UTC day for the visitor keys, gone within 48 h.

The salt is random, never derived from the date, and used on its own day only; from the
day it is deleted on, no visitor key of its day can be computed again (PRIVACY.md).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from viewcount.visitors import SECONDS_PER_DAY, utc_day

PARTITION_KEY = "day"
EXPIRES_AT = "expiresAt"
SALT_LIFETIME_SECONDS = 48 * 3600
# Salts of these earlier days are deleted when a day's salt is made (a day's salt is never
# used after its day), so they go sooner than TTL, which is lazy, would take them.
_STALE_DAYS = range(1, 8)


class SaltUnavailable(Exception):
    """The day's salt could be neither read nor made."""


@dataclass(frozen=True)
class Salt:
    day: str
    value: bytes
    created_at: int

    def usable(self, now: int) -> bool:
        # TTL may leave an expired salt in the table for days: its age is checked here.
        return now - self.created_at < SALT_LIFETIME_SECONDS

    @classmethod
    def of_item(cls, item: dict[str, Any]) -> Salt:
        return cls(item[PARTITION_KEY]["S"], bytes(item["salt"]["B"]), int(item["createdAt"]["N"]))


class DailySalts:
    """Today's salt: made by the first view of the day, then read once per warm instance."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table
        self._today: Salt | None = None

    def of_day(self, now: int) -> bytes:
        day = utc_day(now)
        if self._today is None or self._today.day != day or not self._today.usable(now):
            self._today = self._load(day, now) or self._make(day, now)
        return self._today.value

    def _load(self, day: str, now: int) -> Salt | None:
        item = self._dynamodb.get_item(TableName=self._table, Key={PARTITION_KEY: {"S": day}}, ConsistentRead=True).get(
            "Item"
        )
        if item is None:
            return None
        salt = Salt.of_item(item)
        if salt.usable(now):
            return salt
        # Only this stale salt: another instance may have just made the day's new one.
        try:
            self._dynamodb.delete_item(
                TableName=self._table,
                Key={PARTITION_KEY: {"S": day}},
                ConditionExpression="createdAt = :created",
                ExpressionAttributeValues={":created": {"N": str(salt.created_at)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        return None

    def _make(self, day: str, now: int) -> Salt:
        salt = Salt(day, secrets.token_bytes(32), now)
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item={
                    PARTITION_KEY: {"S": day},
                    "salt": {"B": salt.value},
                    "createdAt": {"N": str(now)},
                    EXPIRES_AT: {"N": str(now + SALT_LIFETIME_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(#day)",
                ExpressionAttributeNames={"#day": PARTITION_KEY},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            # Another instance made the day's salt first: every instance must use the same one.
            made = self._load(day, now)
            if made is None:
                raise SaltUnavailable(f"the salt of {day} vanished while it was being made") from error
            return made
        for days_ago in _STALE_DAYS:
            self._delete(utc_day(now - days_ago * SECONDS_PER_DAY))
        return salt

    def _delete(self, day: str) -> None:
        self._dynamodb.delete_item(TableName=self._table, Key={PARTITION_KEY: {"S": day}})
