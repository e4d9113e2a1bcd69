"""Readers a crowd cannot break: the Readers log, coalesced pushes and the push function."""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_event
from tests.integration.test_count_views import batch, counts
from viewcount.push_requests import SqsPushRequests, parse_request
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import PageCountsTable
from viewcount.tables.readers import Arrival, ReaderLog, ReadersTable
from viewcount.tables.visitor_days import LoggedView
from viewcount.use_cases.count_views import CountViews
from viewcount.use_cases.keep_history import KeepHistory
from viewcount.use_cases.push_counts import PushCounts, PushPolicy
from viewcount.use_cases.push_readers import PushReaders
from viewcount_infra.topology import COUNT_VIEWS, PUSH_READERS

NOW = 1_795_939_200
PAGE = "blog#post#crowd"
# Readers were once attributes of about 33 bytes on the page's counter item, whose 400 KB
# limit held about 12,000 of them.
MORE_THAN_ONE_ITEM_HOLDS = 13_000


class Connections:
    """API Gateway's side of the push: what each connection was sent, and who has left."""

    def __init__(self, gone: frozenset[str] = frozenset()) -> None:
        self.requests: SentRequests | None = None
        self.frames: dict[str, list[dict]] = {}
        self.probed: list[str] = []
        self.gone = gone

    def _check(self, connection_id: str) -> None:
        if connection_id in self.gone:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "GoneException", "Message": "gone"}}, "PostToConnection")

    def post(self, connection_id: str, data: bytes) -> None:
        self._check(connection_id)
        self.frames.setdefault(connection_id, []).append(json.loads(data))

    def probe(self, connection_id: str) -> None:
        self.probed.append(connection_id)
        self._check(connection_id)


class SentRequests(SqsPushRequests):
    """The push requests as sent (SQS hides a delayed one until it is due)."""

    def __init__(self, queue_url: str) -> None:
        super().__init__(queue_url)
        self.sent: list[tuple[int, int]] = []  # (due, delay)

    def send(self, request, now: int) -> None:
        super().send(request, now)
        self.sent.append((request.due, request.due - now))


@pytest.fixture
def parts(aws):
    names = aws.resources.table_names
    connections = Connections()
    counters = PageCountsTable(aws.dynamodb, names["counts"])
    readers_table = ReadersTable(aws.dynamodb, names["readers"])
    push = PushCounts(connections.post, connections.probe)

    requests = SentRequests(aws.resources.push_queue_url)

    def counting(policy: PushPolicy | None = None):
        history = KeepHistory(counters, HistoryTable(aws.dynamodb, names["history"]), aws.config.sites)
        return CountViews(
            counters,
            ReaderLog(readers_table),
            push,
            requests,
            history,
            sites=aws.config.sites,
            policy=policy or PushPolicy(),
        )

    connections.requests = requests

    def pushing():
        return PushReaders(counters, ReaderLog(readers_table), push)

    return counting, pushing, readers_table, connections


def view(sequence: int, connection_id: str, page_key: str = PAGE) -> LoggedView:
    return LoggedView(
        str(sequence), page_key, "2026-11-29", unique=True, connection_id=connection_id, connected_at=NOW - 60
    )


def log_readers(table: ReadersTable, count: int, page_key: str = PAGE, at: int = NOW - 30) -> list[str]:
    connections = [f"reader-{i:08d}=" for i in range(count)]
    ReaderLog(table).write({c: Arrival(page_key, NOW + 3600) for c in connections}, at)
    return connections


def requests_sent(connections: Connections) -> list[int]:
    return [due for due, _ in connections.requests.sent]


def counter_sizes_as_readers_arrive(aws, counting, crowds: list[int]) -> list[int]:
    """The largest counter item the page's counting writes wrote (a write is billed by it)
    while each crowd of new viewers, each on its own connection, was counted in batches of
    100, as the stream delivers them."""
    counter, sequence, sizes, written = counting(), 100, [], []

    def note_written(http_response, parsed, model, **_):
        if model.name == "UpdateItem" and parsed.get("Attributes", {}).get("pageKey", {}).get("S") == PAGE:
            written.append(len(json.dumps(parsed["Attributes"])))

    counter.counters._dynamodb.meta.events.register("after-call.dynamodb.UpdateItem", note_written)
    for crowd in crowds:
        viewers = [view(sequence + i, f"viewer-{sequence + i:06d}=") for i in range(crowd)]
        for start in range(0, crowd, 100):
            counter.count_batch(viewers[start : start + 100], "shard-1", NOW + sequence)
        sequence += crowd
        sizes.append(max(written))
        written.clear()
    return sizes


def test_the_counting_write_does_not_grow_with_readers(aws, parts):
    counting, _, _, _ = parts

    # A write costs a WRU per KB of the item it writes: the counter's size is its cost.
    sizes = counter_sizes_as_readers_arrive(aws, counting, [1, 500, 2_000])

    # 1, 501 and 2,501 readers (all still connected): only the numbers' digits differ (the
    # counts' and the day's), and the page's flag that it is in its site's index, set by its
    # second write. Readers on the item would have added some 33 bytes each.
    assert max(sizes) - min(sizes) <= 48
    assert max(sizes) < 1024  # one WRU
    assert counts(aws, PAGE.removeprefix("blog#")) == (2_501, 2_501)


def test_a_page_with_more_readers_than_one_item_could_hold_still_counts_and_pushes(aws, parts):
    counting, pushing, readers_table, connections = parts
    readers = log_readers(readers_table, MORE_THAN_ONE_ITEM_HOLDS)

    failed = counting().count_batch([view(100, "newcomer=")], "shard-1", NOW)

    assert failed == set() and counts(aws, PAGE.removeprefix("blog#")) == (1, 1)
    # The crowd, newcomer included, gets one coalesced push, requested now; nobody is probed.
    assert requests_sent(connections) == [NOW]
    assert parse_request(aws.drain("push-requests")[0]["Body"]).page_key == PAGE
    assert connections.frames == {} and connections.probed == []

    pushing().push_pages([parse_request(json.dumps({"pageKey": PAGE, "due": NOW}))], NOW + 1)

    assert set(connections.frames) == {*readers, "newcomer="}
    assert all(frames == [connections.frames["newcomer="][0]] for frames in connections.frames.values())
    assert connections.frames["newcomer="][0]["totalViews"] == 1
    assert connections.frames["newcomer="][0]["readingNow"] == MORE_THAN_ONE_ITEM_HOLDS + 1


def test_a_busy_pages_pushes_ride_on_its_batches_about_once_an_interval(aws, parts):
    counting, pushing, readers_table, connections = parts
    log_readers(readers_table, 10)
    counter = counting(PushPolicy(at_once_readers=7, interval_seconds=20, batch_gap_seconds=5))

    for second in (0, 5, 10, 15, 20, 25):
        counter.count_batch([view(100 + second, f"viewer-{second}=")], "shard-1", NOW + second)

    # A push with the batches at 0 and 15 (the first at least 20 - 5 s after the last); a
    # fallback, delayed, for the views that no later batch would carry.
    assert connections.requests.sent == [(NOW, 0), (NOW + 20, 15), (NOW + 15, 0), (NOW + 35, 15)]
    # A new viewer whose batch carries no push, and whose next batch will not, is pushed at once.
    assert sorted(connections.frames) == ["viewer-20=", "viewer-5="]

    pusher = pushing()
    for due in sorted(due for due, _ in connections.requests.sent):
        pusher.push_pages([parse_request(json.dumps({"pageKey": PAGE, "due": due}))], due)
    # The fallback due at 20 was served by the push at 15; the one at 35 was not.
    assert [frame["totalViews"] for frame in connections.frames["viewer-0="]] == [6, 6, 6]
    assert max(len(frames) for frames in connections.frames.values()) == 4  # viewer-5: its own, then 3


def test_a_quiet_pages_few_readers_are_asked_and_pushed_at_once(aws, parts):
    counting, _, readers_table, connections = parts
    readers = log_readers(readers_table, 3)
    connections.gone = frozenset(readers[:1])

    counting().count_batch([view(100, "newcomer=")], "shard-1", NOW)

    assert connections.probed == readers
    assert set(connections.frames) == {*readers[1:], "newcomer="}
    assert connections.frames["newcomer="][0]["readingNow"] == 3
    assert requests_sent(connections) == []


def test_a_coalesced_push_finds_who_left_and_logs_it(aws, parts):
    counting, pushing, readers_table, connections = parts
    readers = log_readers(readers_table, 10)
    counting().count_batch([view(100, "newcomer=")], "shard-1", NOW)
    connections.gone = frozenset(readers[:4])

    pusher = pushing()
    pusher.push_pages([parse_request(json.dumps({"pageKey": PAGE, "due": NOW}))], NOW + 1)
    pusher.push_pages([parse_request(json.dumps({"pageKey": PAGE, "due": NOW + 16}))], NOW + 17)

    # The first push found four gone; the second neither sends to them nor counts them.
    assert all(len(connections.frames.get(reader, [])) == 0 for reader in readers[:4])
    assert connections.frames["newcomer="][-1]["readingNow"] == 7
    # And the log tells every other instance.
    fresh = ReaderLog(readers_table)
    fresh.refresh(NOW + 18)
    assert len(fresh.readers(PAGE, NOW + 18)) == 7


def test_the_push_function_pushes_requested_pages_and_refuses_malformed_requests(aws, context, caplog):
    counter = aws.handler(COUNT_VIEWS)
    counter.handler(batch(100, 102), context)  # hello-world: reader-a and reader-b
    pusher = aws.handler(PUSH_READERS)

    response = pusher.handler(load_event("sqs_push_requests.json"), context)

    # The malformed request fails every delivery (to its DLQ); a page never counted is no error.
    assert response == {"batchItemFailures": [{"itemIdentifier": "r2"}]}
    assert "malformed push requests" in caplog.text
    assert aws.sent_frames("reader-a=")[-1] == {
        "message": "views",
        "articleId": "hello-world",
        "totalViews": 2,
        "uniqueViews": 1,
        "readingNow": 2,
        "site": {"totalViews": 2, "uniqueViews": 1, "readingNow": 2},
    }
    assert len(aws.sent_frames("reader-a=")) == 2  # the batch's push, and the requested one


def test_readers_left_on_a_counter_item_by_the_earlier_layout_are_removed(aws, context):
    table = aws.resources.table_names["counts"]
    legacy = {f"reader:old-{i}=": {"N": str(NOW)} for i in range(50)}
    aws.dynamodb.put_item(
        TableName=table, Item={"pageKey": {"S": "blog#post#hello-world"}, "totalViews": {"N": "7"}, **legacy}
    )

    aws.handler(COUNT_VIEWS).handler(batch(100), context)

    item = aws.item("counts", {"pageKey": "blog#post#hello-world"})
    assert not [name for name in item if name.startswith("reader:")]
    assert item["totalViews"] == {"N": "8"}
