"""Event source mappings: SQS queues and DynamoDB streams feeding their functions.

They follow Lambda's documented behaviour: SQS batches up to the batch size or the
batching window, `batchItemFailures` leave exactly those records on the queue (visible
again after the visibility timeout, to the DLQ after `maxReceiveCount`); streams are read
in order per shard, only records that pass the mapping's filter reach the function, a
failed batch is retried from its first failed record, bisected when the function raises,
and after the retries (if they are limited) parked in the on-failure queue. Stream events
carry the tumbling-window fields (`shardId`, `window`, `state`), and an answer without a
`state` counts as a failure, as in Lambda.

Pollers do not spin: moto rings a trigger's doorbell when a message lands in its queue or
a record in its stream (as Lambda's long polls return when something arrives), and they
look again only then, or after a short fallback for messages whose visibility ran out.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from local_stack.event_filters import matches
from local_stack.functions import AWS_LOCK, REGION, LocalFunction
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import STREAM_FILTER, STREAM_TUMBLING_WINDOW_SECONDS

# Nothing rings when a received message becomes visible again; look this often for it.
SQS_FALLBACK_SECONDS = 0.5
STREAM_FALLBACK_SECONDS = 1.0
# A receive returns at most 10 messages: within a window, wait until one is worth making.
RECEIVE_MAX = 10


class Doorbell:
    """Counts arrivals since the last `reset`, so a poller can sleep until there is work."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._rings = 0
        self._closed = False

    def ring(self) -> None:
        with self._condition:
            self._rings += 1
            self._condition.notify_all()

    def reset(self) -> None:
        """Forget earlier arrivals; call before looking, so none after the look is missed."""
        with self._condition:
            self._rings = 0

    def wait(self, rings: int, timeout: float) -> None:
        """Until `rings` arrivals since the reset, `close`, or the timeout."""
        with self._condition:
            self._condition.wait_for(lambda: self._rings >= rings or self._closed, timeout)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()


_queue_bells: dict[str, Doorbell] = {}  # queue ARN
_stream_bells: dict[str, Doorbell] = {}  # table name
_hooks_lock = threading.Lock()
_hooks_installed = False


def _install_arrival_hooks() -> None:
    """Ring the doorbells where moto stores messages and stream records.

    Hooked in moto rather than on the clients, so every way in counts: SNS fan-out with
    its filter policies, direct sends, any client's table writes.
    """
    global _hooks_installed
    with _hooks_lock:
        if _hooks_installed:
            return
        _hooks_installed = True
    from moto.dynamodb.models.table import StreamShard
    from moto.sqs.models import Queue

    add_message = Queue.add_message
    add_record = StreamShard.add

    def add_message_and_ring(queue: Any, message: Any) -> None:
        add_message(queue, message)
        bell = _queue_bells.get(queue.queue_arn)
        if bell:
            bell.ring()

    def add_record_and_ring(shard: Any, old: Any, new: Any) -> None:
        add_record(shard, old, new)
        bell = _stream_bells.get(shard.table.name)
        if bell:
            bell.ring()

    Queue.add_message = add_message_and_ring
    StreamShard.add = add_record_and_ring


class SqsTrigger(threading.Thread):
    def __init__(
        self, sqs: Any, queue_url: str, queue_arn: str, function: LocalFunction, config: DeploymentConfig
    ) -> None:
        super().__init__(name=f"sqs-{function.name}", daemon=True)
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.function = function
        self.batch_size = config.sqs_batch_size
        self.window = config.sqs_batch_window_seconds
        self.stopping = threading.Event()
        self.idle = threading.Event()
        self.bell = Doorbell()
        self.drained = True  # the last receive brought fewer messages than it asked for
        _install_arrival_hooks()
        _queue_bells[queue_arn] = self.bell

    def stop(self) -> None:
        self.stopping.set()
        self.bell.close()

    def _receive(self, limit: int) -> list[dict[str, Any]]:
        with AWS_LOCK:
            return self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, limit),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])

    def _collect(self) -> list[dict[str, Any]]:
        """Messages until the batch is full or the window closes after the first one."""
        self.bell.reset()
        batch = self._receive(self.batch_size)
        self.drained = len(batch) < min(RECEIVE_MAX, self.batch_size)
        if not batch:
            return []
        deadline = time.monotonic() + self.window
        # Without a window, Lambda invokes with what one receive brings.
        while self.window and len(batch) < self.batch_size and not self.stopping.is_set():
            wanted = self.batch_size - len(batch)
            remaining = deadline - time.monotonic()
            if remaining > 0 and self.drained:
                # Receive early only when enough has arrived to fill a receive or the batch
                # (a full receive may have left more behind: receive again at once).
                self.bell.wait(min(RECEIVE_MAX, wanted), remaining)
            closed = time.monotonic() >= deadline
            self.bell.reset()
            more = self._receive(wanted)
            batch += more
            self.drained = len(more) < min(RECEIVE_MAX, wanted)
            if closed and self.drained:
                break  # the window has closed and the queue is drained
        # A message received again within the window (its visibility ran out) is one
        # record, with the newest receipt handle: the older one no longer deletes it.
        return list({message["MessageId"]: message for message in batch}.values())

    def _event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "Records": [
                {
                    "messageId": message["MessageId"],
                    "receiptHandle": message["ReceiptHandle"],
                    "body": message["Body"],
                    "attributes": message.get("Attributes", {}),
                    "messageAttributes": {
                        name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
                        for name, value in message.get("MessageAttributes", {}).items()
                    },
                    "md5OfBody": message.get("MD5OfBody", ""),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": REGION,
                }
                for message in messages
            ]
        }

    def run_once(self) -> int:
        messages = self._collect()
        if not messages:
            return 0
        try:
            response = self.function.invoke(self._event(messages))
            failed = {failure["itemIdentifier"] for failure in (response or {}).get("batchItemFailures", [])}
        except Exception as error:
            print(f"viewcount-local: {self.function.name} failed its batch: {error!r}", flush=True)
            failed = {message["MessageId"] for message in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        with AWS_LOCK:
            for start in range(0, len(done), 10):
                self.sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(done[start : start + 10])
                    ],
                )
        return len(messages)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                handled = self.run_once()
            except Exception as error:  # keep polling, as Lambda's poller does
                print(f"viewcount-local: polling {self.function.name}: {error!r}", flush=True)
                handled = 0
            if handled:
                self.idle.clear()
            else:
                self.idle.set()
            if self.drained or not handled:
                # Look again when a message arrives (or one whose visibility ran out may be
                # back), not at once to find the queue empty.
                self.bell.wait(1, SQS_FALLBACK_SECONDS)


class StreamTrigger(threading.Thread):
    def __init__(
        self,
        streams: Any,
        sqs: Any,
        stream_arn: str,
        function: LocalFunction,
        config: DeploymentConfig,
        failure_queue_url: str,
    ) -> None:
        super().__init__(name=f"stream-{stream_arn.split('/')[1]}", daemon=True)
        self.streams = streams
        self.sqs = sqs
        self.stream_arn = stream_arn
        self.function = function
        self.batch_size = config.stream_batch_size
        self.window = config.stream_batch_window_seconds
        self.retry_attempts = config.stream_retry_attempts
        self.failure_queue_url = failure_queue_url
        self.stopping = threading.Event()
        self.idle = threading.Event()
        self.bell = Doorbell()
        _install_arrival_hooks()
        _stream_bells[stream_arn.split("/")[1]] = self.bell
        with AWS_LOCK:
            shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
            # Start at the end: what is in the stream now was written before this run.
            self.iterators = {
                shard["ShardId"]: streams.get_shard_iterator(
                    StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
                )["ShardIterator"]
                for shard in shards
            }

    def stop(self) -> None:
        self.stopping.set()
        self.bell.close()

    def _read(self, shard_id: str, limit: int) -> list[dict[str, Any]]:
        with AWS_LOCK:
            response = self.streams.get_records(ShardIterator=self.iterators[shard_id], Limit=limit)
        self.iterators[shard_id] = response["NextShardIterator"]
        return [{**record, "eventSourceARN": self.stream_arn} for record in response["Records"]]

    def _collect(self, shard_id: str) -> list[dict[str, Any]]:
        records = self._read(shard_id, self.batch_size)
        if not records:
            return []
        deadline = time.monotonic() + self.window
        while len(records) < self.batch_size and not self.stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.bell.wait(self.batch_size - len(records), remaining)
            self.bell.reset()
            records += self._read(shard_id, self.batch_size - len(records))
        return records

    def _event(self, shard_id: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
        start = int(time.time()) // STREAM_TUMBLING_WINDOW_SECONDS * STREAM_TUMBLING_WINDOW_SECONDS
        return {
            "Records": batch,
            "shardId": shard_id,
            "eventSourceARN": self.stream_arn,
            "window": {
                "start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start)),
                "end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + STREAM_TUMBLING_WINDOW_SECONDS)),
            },
            "state": {},
            "isFinalInvokeForWindow": False,
            "isWindowTerminatedEarly": False,
        }

    def deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        """Invoke until the batch succeeds, retrying from the first failure and bisecting on errors."""
        pending = [records]
        while pending:
            batch = pending.pop(0)
            attempts = 0
            while batch:
                try:
                    response = self.function.invoke(self._event(shard_id, batch))
                    if "state" not in (response or {}):
                        raise RuntimeError("a tumbling-window answer must carry a state")
                    failed = [f["itemIdentifier"] for f in response.get("batchItemFailures", [])]
                    raised = False
                except Exception as error:
                    print(f"viewcount-local: {self.function.name} failed a stream batch: {error!r}", flush=True)
                    failed, raised = [batch[0]["dynamodb"]["SequenceNumber"]], True
                if not failed:
                    break
                attempts += 1
                if raised and len(batch) > 1:
                    middle = len(batch) // 2
                    pending[:0] = [batch[:middle], batch[middle:]]
                    break
                sequence_numbers = [r["dynamodb"]["SequenceNumber"] for r in batch]
                first = (
                    min(sequence_numbers.index(s) for s in failed if s in sequence_numbers)
                    if any(s in sequence_numbers for s in failed)
                    else 0
                )
                batch = batch[first:]
                if 0 <= self.retry_attempts < attempts:
                    self._park(shard_id, batch)
                    break

    def _park(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        """What Lambda sends to an on-failure destination: where the records are, not the records."""
        body = {
            "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": self.function.name},
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
                "batchSize": len(batch),
                "streamArn": self.stream_arn,
            },
        }
        with AWS_LOCK:
            self.sqs.send_message(QueueUrl=self.failure_queue_url, MessageBody=json.dumps(body))

    def run(self) -> None:
        while not self.stopping.is_set():
            handled, drained = 0, True
            self.bell.reset()
            for shard_id in list(self.iterators):
                try:
                    records = self._collect(shard_id)
                    handled += len(records)
                    drained = drained and len(records) < self.batch_size
                    # Filtered-out records advance the shard without an invocation.
                    records = [record for record in records if passes_filter(record)]
                    if records:
                        self.deliver(shard_id, records)
                except Exception as error:
                    print(f"viewcount-local: reading {self.stream_arn}: {error!r}", flush=True)
            if handled:
                self.idle.clear()
            else:
                self.idle.set()
            if drained:
                # Every shard was read to its end: read again when a record arrives.
                self.bell.wait(1, STREAM_FALLBACK_SECONDS)


def passes_filter(record: dict[str, Any]) -> bool:
    return matches(STREAM_FILTER, record)
