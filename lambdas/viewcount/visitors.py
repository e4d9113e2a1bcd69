"""Unique visitors without cookies: a daily salt, a keyed hash, one record per page a day.

A visitor's key is HMAC-SHA256(salt of the UTC day, site | source IP | User-Agent), computed
in memory and never stored or logged. What is stored is a hash of that key with the page,
in a visit record that expires within 48 h. The salt is random, kept in its own table and
deleted after 48 h: from then on no key can be computed again, and the day's records
cannot be linked to anyone, nor to each other.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

SECONDS_PER_DAY = 24 * 3600
SALT_LIFETIME_SECONDS = 48 * 3600
# A visit record matters during its day only; it expires 48 h after the day began.
VISIT_LIFETIME_SECONDS = 48 * 3600
# Salts of these earlier days are deleted when a day's salt is made (a day's salt is never
# used after its day), so they go sooner than TTL, which is lazy, would take them.
_STALE_DAYS = range(1, 8)


class SaltUnavailable(Exception):
    """The day's salt could be neither read nor made."""


def utc_day(epoch_seconds: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch_seconds))


def start_of_day(epoch_seconds: int) -> int:
    return epoch_seconds - epoch_seconds % SECONDS_PER_DAY


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
        return cls(item["day"]["S"], bytes(item["salt"]["B"]), int(item["createdAt"]["N"]))


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
        item = self._dynamodb.get_item(TableName=self._table, Key={"day": {"S": day}}, ConsistentRead=True).get("Item")
        if item is None:
            return None
        salt = Salt.of_item(item)
        if salt.usable(now):
            return salt
        # Only this stale salt: another instance may have just made the day's new one.
        try:
            self._dynamodb.delete_item(
                TableName=self._table,
                Key={"day": {"S": day}},
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
                    "day": {"S": day},
                    "salt": {"B": salt.value},
                    "createdAt": {"N": str(now)},
                    "expiresAt": {"N": str(now + SALT_LIFETIME_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(#day)",
                ExpressionAttributeNames={"#day": "day"},
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
        self._dynamodb.delete_item(TableName=self._table, Key={"day": {"S": day}})


def visitor_key(salt: bytes, site: str, source_ip: str, user_agent: str) -> bytes:
    return hmac.new(salt, f"{site}|{source_ip}|{user_agent}".encode(), hashlib.sha256).digest()


def visit_id(day: str, key: bytes, page_key: str) -> str:
    """The record of one visitor on one page on one day. Keyed by the visitor key, so two
    pages' records of one visitor share nothing that would link them."""
    return f"{day}#{hmac.new(key, page_key.encode(), hashlib.sha256).hexdigest()[:32]}"


def first_visit(dynamodb: Any, table: str, record_id: str, now: int) -> bool:
    """Record the visit; True if it is the first of its visitor on its page that day."""
    try:
        dynamodb.put_item(
            TableName=table,
            Item={
                "visitId": {"S": record_id},
                "expiresAt": {"N": str(start_of_day(now) + VISIT_LIFETIME_SECONDS)},
            },
            # An expired record that TTL has not deleted yet does not count.
            ConditionExpression="attribute_not_exists(visitId) OR expiresAt <= :now",
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
