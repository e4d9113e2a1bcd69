"""The Salts table: one random salt per site and day for the visitor keys, gone within 48 h.

The salt is random, never derived from the date, and used on its own day only (the site's
day, in its time zone: 23 to 25 hours); from the day it is deleted on, no visitor key of
its day can be computed again (PRIVACY.md).

Key: `day` = `<site>#<YYYY-MM-DD>`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from viewcount.sites import Site, shift_day

PARTITION_KEY = "day"
EXPIRES_AT = "expiresAt"
SALT_LIFETIME_SECONDS = 48 * 3600
# Salts of these earlier days are deleted when a day's salt is made (a day's salt is never
# used after its day), so they go sooner than TTL, which is lazy, would take them.
_STALE_DAYS = range(1, 8)


def salt_key(site: str, day: str) -> str:
    return f"{site}#{day}"


def salts_before_sites(dynamodb: Any, table: str) -> list[str]:
    """The days of the salts of the layout before sites (keyed by a UTC day alone): no view
    can use them any more (`./admin.sh migrate` deletes them)."""
    days = []
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table, ProjectionExpression="#day", ExpressionAttributeNames={"#day": PARTITION_KEY}
    ):
        days += [item[PARTITION_KEY]["S"] for item in page["Items"] if "#" not in item[PARTITION_KEY]["S"]]
    return days


def delete_salt(dynamodb: Any, table: str, day: str) -> None:
    dynamodb.delete_item(TableName=table, Key={PARTITION_KEY: {"S": day}})


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
    """Each site's salt of its day: made by the site's first view of the day, then read once
    per warm instance."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table
        self._today: dict[str, Salt] = {}

    def of_day(self, site: Site, now: int) -> bytes:
        today = site.day_of(now)
        day = salt_key(site.id, today)
        salt = self._today.get(site.id)
        if salt is None or salt.day != day or not salt.usable(now):
            salt = self._today[site.id] = self._load(day, now) or self._make(site.id, today, now)
        return salt.value

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

    def _make(self, site: str, today: str, now: int) -> Salt:
        day = salt_key(site, today)
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
            self._delete(salt_key(site, shift_day(today, -days_ago)))
        return salt

    def _delete(self, day: str) -> None:
        delete_salt(self._dynamodb, self._table, day)
