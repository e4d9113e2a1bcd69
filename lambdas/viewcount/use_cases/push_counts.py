"""Push to readers: a page's fresh counts to every reader still on the page; and error
frames to a sender whose frame was refused."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import boto3
from botocore.exceptions import ClientError

from viewcount.observability import count_one, logger
from viewcount.tables.page_counts import Item, SiteCounts, counts_of, readers_of
from viewcount.wire import encode_frame, error_frame, views_frame

Poster = Callable[[str, bytes], None]
Prober = Callable[[str], None]


@dataclass
class PushOutcome:
    delivered: int = 0
    gone: list[str] = field(default_factory=list)  # closed, found by a push or a probe
    expired: list[str] = field(default_factory=list)  # past API Gateway's 2 h limit, not asked
    failed: list[str] = field(default_factory=list)


def is_gone(error: Exception) -> bool:
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error.response["Error"]["Code"] == "GoneException" or status == 410


def push_to_connections(post: Poster, connection_ids: Iterable[str], frame: bytes) -> PushOutcome:
    outcome = PushOutcome()
    for connection_id in connection_ids:
        try:
            post(connection_id, frame)
        except ClientError as error:
            (outcome.gone if is_gone(error) else outcome.failed).append(connection_id)
        else:
            outcome.delivered += 1
    return outcome


def still_open(probe: Prober, connection_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split connections into open and gone by asking API Gateway about each.

    A GET on a connection is not a billed message, and it keeps a reader who left from
    being counted in "reading now".
    """
    open_, gone = [], []
    for connection_id in connection_ids:
        try:
            probe(connection_id)
        except ClientError as error:
            if not is_gone(error):
                raise
            gone.append(connection_id)
        else:
            open_.append(connection_id)
    return open_, gone


def management_poster(client: Any) -> Poster:
    def post(connection_id: str, data: bytes) -> None:
        client.post_to_connection(ConnectionId=connection_id, Data=data)

    return post


def management_prober(client: Any) -> Prober:
    def probe(connection_id: str) -> None:
        client.get_connection(ConnectionId=connection_id)

    return probe


class PushCounts:
    def __init__(self, post: Poster, probe: Prober) -> None:
        self.post = post
        self.probe = probe

    @classmethod
    def on_aws(cls, management_api: Any) -> PushCounts:
        return cls(management_poster(management_api), management_prober(management_api))

    def push(
        self, item: Item, site: SiteCounts | None, arrived: set[str], known_gone: set[str], now: int
    ) -> PushOutcome:
        """Push a counter item's counts to its readers, but those known to be gone.

        The connections whose views are in this batch (`arrived`) have just spoken; the
        others are asked whether they are still open before "reading now" is counted.
        """
        open_readers, expired = readers_of(item, now)
        readers = [connection_id for connection_id in open_readers if connection_id not in known_gone]
        fresh = [connection_id for connection_id in readers if connection_id in arrived]
        asked = [connection_id for connection_id in readers if connection_id not in arrived]
        open_, left = still_open(self.probe, asked)
        live = fresh + open_
        counts = counts_of(item)
        frame = views_frame(
            counts.page,
            counts.total_views,
            counts.unique_views,
            len(live),
            (site.total_views, site.unique_views) if site is not None else None,
        )
        outcome = push_to_connections(self.post, live, encode_frame(frame))
        outcome.gone += left
        outcome.expired = expired
        return outcome


class ErrorReplies:
    """Error frames to the sender of a refused frame, on its connection (which stays usable)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    @cached_property
    def management_api(self) -> Any:
        # Made on the first refusal, so that a cold start on the good path does not pay for it.
        return boto3.client("apigatewaymanagementapi", endpoint_url=self.endpoint)

    def send(self, connection_id: str, code: str, detail: str) -> None:
        logger.info("view rejected", extra={"code": code})
        count_one("ViewsRejected", "code", code)
        frame = encode_frame(error_frame(code, detail))
        try:
            self.management_api.post_to_connection(ConnectionId=connection_id, Data=frame)
        except ClientError as error:
            if not is_gone(error):
                raise
