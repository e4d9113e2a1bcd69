"""The Access table: who may read a site's stats besides the owner, and the dashboard's
short-lived tickets and wrong-key counts. Nothing secret is stored: tokens and tickets are
kept as their SHA-256, and an address only as a keyed hash of it.

Keys (`key`, `sort`):
- `share#<site>` / `<sha256 of the token>`: a read-only share link of one site, with its
  `createdAt` and a `label`; revoking it deletes the item. One Query lists a site's links.
- `ticket#<sha256 of the ticket>` / `ticket`: a single-use ticket for a dashboard's WebSocket,
  naming its `site`; taken (deleted) by the `$connect` authorizer, valid until `expiresAt`.
- `tries#<keyed hash of an address>` / `<10-minute slot>`: wrong keys sent from one address
  in that slot (`tries`), which throttles guessing without a WAF.

`expiresAt` is the TTL of tickets and tries; TTL deletion lags by up to days, so taking a
ticket checks it too (a tries count needs no check: its slot is in its key). Share links do
not expire.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from viewcount.item_reads import query_all

PARTITION_KEY = "key"
SORT_KEY = "sort"
EXPIRES_AT = "expiresAt"
SITE = "site"
CREATED_AT = "createdAt"
LABEL = "label"
TRIES = "tries"
_TICKET = "ticket"
SHARE_PREFIX = "share#"
TICKET_PREFIX = "ticket#"
TRIES_PREFIX = "tries#"


def share_key(site: str) -> str:
    """The partition of a site's share links."""
    return SHARE_PREFIX + site


def ticket_key(ticket: str) -> str:
    """The partition of a ticket (its hash: the ticket itself is not kept)."""
    return TICKET_PREFIX + digest(ticket)


def tries_key(who: str) -> str:
    """The partition of an address's wrong keys (`who`: the keyed hash of the address)."""
    return TRIES_PREFIX + who


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class ShareLink:
    site: str
    token_hash: str
    created_at: int
    label: str

    @property
    def id(self) -> str:
        """How an operator names the link: the start of its hash (the token is not kept)."""
        return self.token_hash[:12]


class AccessTable:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table

    def _key(self, partition: str, sort: str) -> dict[str, Any]:
        return {PARTITION_KEY: {"S": partition}, SORT_KEY: {"S": sort}}

    # ---- share links -------------------------------------------------------------

    def add_share(self, site: str, token: str, created_at: int, label: str) -> ShareLink:
        link = ShareLink(site, digest(token), created_at, label)
        self._dynamodb.put_item(
            TableName=self._table,
            Item={
                **self._key(share_key(site), link.token_hash),
                CREATED_AT: {"N": str(created_at)},
                LABEL: {"S": label},
            },
        )
        return link

    def is_shared(self, site: str, token: str) -> bool:
        item = self._dynamodb.get_item(
            TableName=self._table, Key=self._key(share_key(site), digest(token)), ConsistentRead=True
        )
        return "Item" in item

    def shares(self, site: str) -> list[ShareLink]:
        items = query_all(
            self._dynamodb,
            {
                "TableName": self._table,
                "KeyConditionExpression": "#key = :key",
                "ExpressionAttributeNames": {"#key": PARTITION_KEY},
                "ExpressionAttributeValues": {":key": {"S": share_key(site)}},
            },
        )
        links = [
            ShareLink(site, item[SORT_KEY]["S"], int(item[CREATED_AT]["N"]), item.get(LABEL, {}).get("S", ""))
            for item in items
        ]
        return sorted(links, key=lambda link: (link.created_at, link.token_hash))

    def remove_share(self, link: ShareLink) -> None:
        self._dynamodb.delete_item(TableName=self._table, Key=self._key(share_key(link.site), link.token_hash))

    # ---- tickets -----------------------------------------------------------------

    def add_ticket(self, ticket: str, site: str, expires_at: int) -> None:
        self._dynamodb.put_item(
            TableName=self._table,
            Item={
                **self._key(ticket_key(ticket), _TICKET),
                SITE: {"S": site},
                EXPIRES_AT: {"N": str(expires_at)},
            },
        )

    def take_ticket(self, ticket: str, now: int) -> str | None:
        """The ticket's site, deleting it so that it serves once; None when it is unknown,
        taken already or expired."""
        try:
            answer = self._dynamodb.delete_item(
                TableName=self._table,
                Key=self._key(ticket_key(ticket), _TICKET),
                ConditionExpression="#expires > :now",
                ExpressionAttributeNames={"#expires": EXPIRES_AT},
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return None
        return answer["Attributes"][SITE]["S"]

    # ---- wrong keys --------------------------------------------------------------

    def tries(self, who: str, slot: int) -> int:
        item = self._dynamodb.get_item(TableName=self._table, Key=self._key(tries_key(who), str(slot)))
        return int(item.get("Item", {}).get(TRIES, {}).get("N", "0"))

    def add_try(self, who: str, slot: int, expires_at: int) -> int:
        answer = self._dynamodb.update_item(
            TableName=self._table,
            Key=self._key(tries_key(who), str(slot)),
            UpdateExpression="ADD #tries :one SET #expires = :expires",
            ExpressionAttributeNames={"#tries": TRIES, "#expires": EXPIRES_AT},
            ExpressionAttributeValues={":one": {"N": "1"}, ":expires": {"N": str(expires_at)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"][TRIES]["N"])
