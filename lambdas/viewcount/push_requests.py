"""Requests for a coalesced push: "push this page's counts to all its readers at `due`".

The counting function sends one per busy page and push interval, delayed on an SQS queue
until it is due; the push function (`lambdas/push_readers`) answers it. This module owns
the message's shape, for both sides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3

# SQS delays a message by at most 15 minutes.
MAX_DELAY_SECONDS = 900


@dataclass(frozen=True)
class PushRequest:
    page_key: str
    due: int  # epoch seconds


def encode_request(request: PushRequest) -> str:
    return json.dumps({"pageKey": request.page_key, "due": request.due}, separators=(",", ":"))


def parse_request(body: str) -> PushRequest:
    """ValueError when the body is not a push request."""
    try:
        message = json.loads(body)
        page_key, due = message["pageKey"], message["due"]
    except (ValueError, KeyError, TypeError):
        raise ValueError("not a push request") from None
    if not isinstance(page_key, str) or not page_key or not isinstance(due, int):
        raise ValueError("not a push request")
    return PushRequest(page_key, due)


class SqsPushRequests:
    def __init__(self, queue_url: str) -> None:
        self._queue_url = queue_url

    @cached_property
    def _sqs(self) -> Any:
        # Made on the first busy page, so that a cold start does not pay for it.
        return boto3.client("sqs")

    def send(self, request: PushRequest, now: int) -> None:
        self._sqs.send_message(
            QueueUrl=self._queue_url,
            MessageBody=encode_request(request),
            DelaySeconds=min(MAX_DELAY_SECONDS, max(0, request.due - now)),
        )
