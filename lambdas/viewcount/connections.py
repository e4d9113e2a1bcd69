"""The registry of open connections and the page each one is reading."""

from __future__ import annotations

from typing import Any

from viewcount.settings import CONNECTION_TTL_SECONDS

BY_PAGE_INDEX = "byPage"


def record_connection(dynamodb: Any, table: str, connection_id: str, connected_at: int) -> None:
    dynamodb.put_item(
        TableName=table,
        Item={
            "connectionId": {"S": connection_id},
            "connectedAt": {"N": str(connected_at)},
            "expiresAt": {"N": str(connected_at + CONNECTION_TTL_SECONDS)},
        },
    )


def remember_page(dynamodb: Any, table: str, connection_id: str, page_key: str, now: int) -> None:
    """Point the connection at the page it now reads, so that pushes for that page reach it.

    `if_not_exists` keeps the original connect time and expiry, and recreates a record
    that a missed `$connect` write never made.
    """
    dynamodb.update_item(
        TableName=table,
        Key={"connectionId": {"S": connection_id}},
        UpdateExpression="SET #page = :page, connectedAt = if_not_exists(connectedAt, :now), "
        "expiresAt = if_not_exists(expiresAt, :expires)",
        ExpressionAttributeNames={"#page": "page"},
        ExpressionAttributeValues={
            ":page": {"S": page_key},
            ":now": {"N": str(now)},
            ":expires": {"N": str(now + CONNECTION_TTL_SECONDS)},
        },
    )


def forget_connection(dynamodb: Any, table: str, connection_id: str) -> None:
    dynamodb.delete_item(TableName=table, Key={"connectionId": {"S": connection_id}})


def connections_on_page(dynamodb: Any, table: str, page_key: str) -> list[str]:
    paginator = dynamodb.get_paginator("query")
    pages = paginator.paginate(
        TableName=table,
        IndexName=BY_PAGE_INDEX,
        KeyConditionExpression="#page = :page",
        ExpressionAttributeNames={"#page": "page"},
        ExpressionAttributeValues={":page": {"S": page_key}},
    )
    return [item["connectionId"]["S"] for result in pages for item in result.get("Items", [])]
