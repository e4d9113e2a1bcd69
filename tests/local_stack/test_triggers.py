"""The local stack's SQS poller hands Lambda's batches to the consumers."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from local_stack.triggers import SqsTrigger


class RecordingFunction:
    """Stands in for a consumer: the trigger is under test, not the handler."""

    name = "recording"

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.batches.append([record["body"] for record in event["Records"]])
        return {"batchItemFailures": []}


@pytest.fixture
def queue(aws) -> tuple[str, str]:
    url = aws.sqs.create_queue(QueueName="trigger-test")["QueueUrl"]
    arn = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def receives_during(sqs: Any, action: Any) -> int:
    calls = []
    sqs.meta.events.register("before-call.sqs.ReceiveMessage", lambda **_: calls.append(1))
    action()
    return len(calls)


def test_without_a_window_a_batch_is_what_one_receive_brings(aws, queue):
    url, arn = queue
    for body in ("a", "b", "c"):
        aws.sqs.send_message(QueueUrl=url, MessageBody=body)
    config = dataclasses.replace(aws.config, sqs_batch_size=10, sqs_batch_window_seconds=0)
    function = RecordingFunction()
    trigger = SqsTrigger(aws.sqs, url, arn, function, config)

    receives = receives_during(aws.sqs, trigger.run_once)

    assert sorted(function.batches[0]) == ["a", "b", "c"]
    assert receives == 1
    assert trigger.drained  # so the poller waits for the next message instead of looking at once
    assert aws.sqs.receive_message(QueueUrl=url).get("Messages") is None  # deleted


def test_a_full_receive_is_not_taken_for_a_drained_queue(aws, queue):
    url, arn = queue
    for index in range(12):
        aws.sqs.send_message(QueueUrl=url, MessageBody=str(index))
    config = dataclasses.replace(aws.config, sqs_batch_size=10, sqs_batch_window_seconds=0)
    function = RecordingFunction()
    trigger = SqsTrigger(aws.sqs, url, arn, function, config)

    trigger.run_once()
    assert len(function.batches[0]) == 10 and not trigger.drained
    trigger.run_once()
    assert len(function.batches[1]) == 2 and trigger.drained
