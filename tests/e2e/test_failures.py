"""Failure paths of the local stack, run in-process so the test can reach its moto state."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from local_stack.harness import free_port


@pytest.fixture
def in_process_stack(tmp_path, monkeypatch):
    from local_stack.stack import LocalOptions, LocalStack

    monkeypatch.setenv("LOCAL_SQS_BATCH_WINDOW_SECONDS", "1")

    options = LocalOptions(
        ws_port=free_port(offset=1), http_port=free_port(), data_dir=tmp_path / "data", visibility_timeout_seconds=3
    )
    stack = LocalStack(options)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    ready = threading.Event()
    thread = threading.Thread(target=lambda: loop.run_until_complete(stack.run(stop, ready=ready.set)), daemon=True)
    thread.start()
    assert ready.wait(30)
    yield stack
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=15)


def test_a_poison_message_ends_in_the_dlq_after_max_receive_count(in_process_stack):
    stack = in_process_stack
    from local_stack.functions import AWS_LOCK

    with AWS_LOCK:
        stack.sns.publish(
            TopicArn=stack.resources.topic_arn,
            Message="this is not a view",
            MessageAttributes={"event_type": {"DataType": "String", "StringValue": "post_view"}},
        )

    deadline = time.monotonic() + 60
    dead: list = []
    while time.monotonic() < deadline and not dead:
        time.sleep(0.5)
        with AWS_LOCK:
            dead = stack.sqs.receive_message(QueueUrl=stack.resources.dlq_urls["post-views"]).get("Messages", [])

    assert [message["Body"] for message in dead] == ["this is not a view"]
    # It was tried maxReceiveCount (5) times before it was parked, and counted nothing.
    assert stack.functions["post_views"].invocations == 5
    with AWS_LOCK:
        assert stack.dynamodb.scan(TableName=stack.resources.table_names["visitor_days"])["Items"] == []
