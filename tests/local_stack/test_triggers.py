"""The local stack's SQS poller hands Lambda's batches to the consumers."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest

from local_stack.triggers import SqsTrigger, StreamTrigger


class RecordingFunction:
    """Stands in for a consumer: the trigger is under test, not the handler."""

    name = "recording"

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.batches.append([record.get("body") or record["eventName"] for record in event["Records"]])
        return {"batchItemFailures": [], "state": {}}


@pytest.fixture
def queue(aws) -> tuple[str, str]:
    url = aws.sqs.create_queue(QueueName="trigger-test")["QueueUrl"]
    arn = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def queued_trigger(
    aws: Any, queue: tuple[str, str], bodies: list[str], batch_size: int = 10, window: int = 0
) -> tuple[SqsTrigger, RecordingFunction]:
    """A poller with its own consumer, on a queue already holding `bodies`."""
    url, arn = queue
    for body in bodies:
        aws.sqs.send_message(QueueUrl=url, MessageBody=body)
    config = dataclasses.replace(aws.config, sqs_batch_size=batch_size, sqs_batch_window_seconds=window)
    function = RecordingFunction()
    return SqsTrigger(aws.sqs, url, arn, function, config), function


def calls_during(client: Any, operation: str, action: Any) -> int:
    calls = []
    client.meta.events.register(f"before-call.*.{operation}", lambda **_: calls.append(1))
    action()
    return len(calls)


def poll_once_then_rest(trigger: Any, function: RecordingFunction) -> None:
    """Run the poller until it has invoked once, and a little longer, then stop it."""
    trigger.start()
    deadline = time.monotonic() + 10
    while not function.batches and time.monotonic() < deadline:
        time.sleep(0.01)
    # Well inside the pollers' fallback (0.5 s or more) after an empty look.
    time.sleep(0.2)
    trigger.stop()
    trigger.join(timeout=5)


def test_without_a_window_a_batch_is_what_one_receive_brings(aws, queue):
    trigger, function = queued_trigger(aws, queue, ["a", "b", "c"])

    receives = calls_during(aws.sqs, "ReceiveMessage", trigger.run_once)

    assert sorted(function.batches[0]) == ["a", "b", "c"]
    assert receives == 1
    assert trigger.drained  # so the poller waits for the next message instead of looking at once
    assert aws.sqs.receive_message(QueueUrl=queue[0]).get("Messages") is None  # deleted


def test_a_full_receive_is_not_taken_for_a_drained_queue(aws, queue):
    trigger, function = queued_trigger(aws, queue, [str(index) for index in range(12)])

    trigger.run_once()
    assert len(function.batches[0]) == 10 and not trigger.drained
    trigger.run_once()
    assert len(function.batches[1]) == 2 and trigger.drained


def test_a_poller_that_drained_its_queue_waits_for_the_next_message(aws, queue):
    trigger, function = queued_trigger(aws, queue, ["only"])

    receives = calls_during(aws.sqs, "ReceiveMessage", lambda: poll_once_then_rest(trigger, function))

    assert function.batches == [["only"]]
    assert receives == 1  # not a second look at once, to find the queue empty


def test_a_stream_poller_that_read_its_shard_to_the_end_waits_for_the_next_record(aws):
    import boto3

    streams = boto3.client("dynamodbstreams")
    config = dataclasses.replace(aws.config, stream_batch_window_seconds=0)
    function = RecordingFunction()
    trigger = StreamTrigger(
        streams, aws.sqs, aws.resources.stream_arns["visitor_days"], function, config, aws.resources.count_failures_url
    )
    table = aws.resources.table_names["visitor_days"]
    aws.dynamodb.put_item(TableName=table, Item={"visitorDay": {"S": "view#1"}, "pageKey": {"S": "page#Home_Page"}})

    reads = calls_during(streams, "GetRecords", lambda: poll_once_then_rest(trigger, function))

    assert function.batches == [["INSERT"]]
    assert reads == 1


def test_within_a_window_a_full_receive_is_followed_at_once_by_the_next(aws, queue):
    trigger, function = queued_trigger(aws, queue, [str(index) for index in range(25)], batch_size=100, window=1)
    receives, waited_after = [], []
    aws.sqs.meta.events.register("before-call.sqs.ReceiveMessage", lambda **_: receives.append(1))
    wait = trigger.bell.wait
    trigger.bell.wait = lambda rings, timeout: (waited_after.append(len(receives)), wait(rings, timeout))

    trigger.run_once()

    assert sorted(function.batches[0], key=int) == [str(index) for index in range(25)]
    # Two receives came back full (10 each), so more could be waiting: only once the third
    # drained the queue does the poller wait for arrivals while the window lasts.
    assert waited_after == [3]
