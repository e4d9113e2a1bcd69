"""Push to readers: a page's fresh counts to the readers still on the page; and error
frames to a sender whose frame was refused."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from viewcount.observability import count, count_one, logger
from viewcount.tables.page_counts import Item, SiteCounts, counts_of
from viewcount.wire import encode_frame, error_frame, views_frame

if TYPE_CHECKING:  # the route functions import this module, and need no reader log
    from viewcount.tables.readers import ReaderLog

Poster = Callable[[str, bytes], None]
Prober = Callable[[str], None]


@dataclass
class PushOutcome:
    delivered: int = 0
    gone: list[str] = field(default_factory=list)  # closed, found by a push or a probe
    failed: list[str] = field(default_factory=list)
    probes: int = 0


def is_gone(error: Exception) -> bool:
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error.response["Error"]["Code"] == "GoneException" or status == 410


# A push to many readers goes out on this many threads: one after another, 5,000 posts of
# about 10 ms each would take most of a minute.
PUSH_THREADS = 16


def push_to_connections(post: Poster, connection_ids: Sequence[str], frame: bytes) -> PushOutcome:
    outcome = PushOutcome()

    def push_one(connection_id: str) -> tuple[str, Exception | None]:
        try:
            post(connection_id, frame)
        except ClientError as error:
            return connection_id, error
        return connection_id, None

    if len(connection_ids) <= 1:
        results = [push_one(connection_id) for connection_id in connection_ids]
    else:
        with ThreadPoolExecutor(min(PUSH_THREADS, len(connection_ids))) as pool:
            results = list(pool.map(push_one, connection_ids))
    for connection_id, error in results:
        if error is None:
            outcome.delivered += 1
        else:
            (outcome.gone if is_gone(error) else outcome.failed).append(connection_id)
    return outcome


def still_open(probe: Prober, connection_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split connections into open and gone by asking API Gateway about each.

    Only for a page with a few readers: it keeps a reader who left from being counted in
    "reading now". Whether API Gateway bills such a GET as a message is not confirmed.
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


def pooled_management_api(endpoint: str) -> Any:
    """The management API client of a function that pushes: one pooled connection per push thread."""
    return boto3.client(
        "apigatewaymanagementapi", endpoint_url=endpoint, config=Config(max_pool_connections=PUSH_THREADS)
    )


def management_poster(client: Any) -> Poster:
    def post(connection_id: str, data: bytes) -> None:
        client.post_to_connection(ConnectionId=connection_id, Data=data)

    return post


def management_prober(client: Any) -> Prober:
    def probe(connection_id: str) -> None:
        client.get_connection(ConnectionId=connection_id)

    return probe


@dataclass(frozen=True)
class PushPolicy:
    # A page with at most this many readers besides the batch's own is pushed at once, its
    # readers asked first whether they are open: at most this many pushes per view, plus one.
    at_once_readers: int = 7
    # A busier page's readers get a coalesced push with the first batch at least
    # `interval - batch_gap` after the last one (so about every interval - batch_gap to
    # interval), or, when no batch comes, by a fallback at `interval`. A view then waits at
    # most about `interval - batch_gap` after it is counted.
    interval_seconds: int = 20
    # How far apart a busy page's counting batches are: the queue consumers' batching window.
    batch_gap_seconds: int = 5


@dataclass(frozen=True)
class Audience:
    """Whom a push goes to. `arrived` have just spoken and are open; `standing` read the page
    since earlier, and are asked first (`probe`) or pushed as they are."""

    arrived: Sequence[str]
    standing: Sequence[str] = ()
    probe: bool = False
    # False: the standing readers are counted as reading but not pushed (a coalesced push will).
    push_standing: bool = True
    reading_site: int | None = None  # connections reading any page of the site
    # Pushed, but not counted as reading: their visitor has moved on to another connection.
    moved_on: AbstractSet[str] = frozenset()


class PushCounts:
    def __init__(self, post: Poster, probe: Prober) -> None:
        self.post = post
        self.probe = probe

    @classmethod
    def on_aws(cls, management_api: Any) -> PushCounts:
        return cls(management_poster(management_api), management_prober(management_api))

    def push(self, item: Item, site: SiteCounts | None, audience: Audience) -> PushOutcome:
        """Push a counter item's counts to its audience; "reading now" counts those pushed
        (after a probe, those found open)."""
        left: list[str] = []
        standing = list(audience.standing)
        if audience.probe:
            standing, left = still_open(self.probe, standing)
        targets = [*audience.arrived, *standing] if audience.push_standing else list(audience.arrived)
        counts = counts_of(item)
        frame = views_frame(
            counts.page,
            counts.total_views,
            counts.unique_views,
            sum(1 for connection_id in (*audience.arrived, *standing) if connection_id not in audience.moved_on),
            (site.total_views, site.unique_views) if site is not None else None,
            audience.reading_site,
        )
        outcome = push_to_connections(self.post, targets, encode_frame(frame))
        outcome.gone += left
        outcome.probes = len(audience.standing) if audience.probe else 0
        return outcome


def refresh_readers(readers: ReaderLog, now: int) -> None:
    """Other instances' readers, for the push. A failed read is no reason to count again:
    the push goes to the readers known so far, and the next batch reads on."""
    try:
        readers.refresh(now)
    except Exception:
        logger.exception("readers log not read")
        count("ReadersLogNotRead", 1)


def note_outcome(outcome: PushOutcome, readers: ReaderLog, page_key: str, now: int) -> bool:
    """Metrics of a push, and the readers it found closed; False when some were not reached."""
    if outcome.gone:
        readers.left(outcome.gone, now)
    count("Pushes", outcome.delivered)
    count("ConnectionsProbed", outcome.probes)
    count("GoneConnections", len(outcome.gone))
    if outcome.failed:
        # Counting is done: a retry of these records only pushes the same counts again.
        count("PushesFailed", len(outcome.failed))
        logger.error("readers not reached", extra={"page": page_key, "readers": len(outcome.failed)})
        return False
    return True


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
