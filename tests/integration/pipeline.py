"""The whole pipeline in one process, run step by step: moto resources, the real handlers,
and the local stack's own event source mappings (the same retry, bisect and DLQ behaviour)."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter

import boto3

from local_stack.faults import FaultPlan
from local_stack.functions import LocalFunction
from local_stack.resources import create_resources
from local_stack.triggers import SqsTrigger, StreamTrigger, passes_filter
from tests.conftest import WS_ENDPOINT, load_handler
from viewcount.views import AcceptedView
from viewcount_infra.topology import FUNCTIONS, QUEUES, STREAM_CONSUMER, VISITOR_DAYS


class Pipeline:
    """Moto resources, the real handlers and the local stack's triggers, run step by step."""

    def __init__(self, config, rates: dict[str, float], seed: int) -> None:
        # No batching windows, and failed messages visible again after 1 s (the least SQS has
        # that does not hand a message out again while its batch is being collected).
        self.config = dataclasses.replace(config, sqs_batch_window_seconds=0, stream_batch_window_seconds=0)
        clients = {name: boto3.client(name) for name in ("dynamodb", "sns", "sqs", "dynamodbstreams")}
        self.sns, self.sqs, self.dynamodb = clients["sns"], clients["sqs"], clients["dynamodb"]
        self.resources = create_resources(self.config, self.dynamodb, self.sns, self.sqs, visibility_timeout_seconds=1)
        functions: dict[str, LocalFunction] = {}
        for spec in FUNCTIONS:
            env = self.resources.environment(spec, self.config, WS_ENDPOINT)
            functions[spec.name] = LocalFunction(spec, load_handler(spec.code, env), spec.name)
        self.functions = functions
        self.queues = []
        for spec in QUEUES:
            url = self.resources.queue_urls[spec.key]
            arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self.queues.append(SqsTrigger(self.sqs, url, arn, functions[spec.consumer.name], self.config))
        self.stream = StreamTrigger(
            clients["dynamodbstreams"],
            self.sqs,
            self.resources.stream_arns[VISITOR_DAYS.key],
            functions[STREAM_CONSUMER.name],
            self.config,
            self.resources.count_failures_url,
        )
        FaultPlan(rates, seed).install(functions, [*self.queues, self.stream], self.sqs)

    def publish(self, view: AcceptedView) -> None:
        self.sns.publish(
            TopicArn=self.resources.topic_arn, Message=view.sns_message(), MessageAttributes=view.sns_attributes()
        )

    def drain(self) -> None:
        while True:
            handled = sum(trigger.run_once() for trigger in self.queues)
            for shard_id in self.stream.iterators:
                records = self.stream._collect(shard_id)
                handled += len(records)
                if records:
                    self.stream.deliver(shard_id, [r for r in records if passes_filter(r)])
            if handled:
                continue
            if self.in_flight():
                time.sleep(0.2)  # failed messages become visible again
            elif not self.redrive():
                return

    def in_flight(self) -> int:
        """Messages still in the queues: waiting out a visibility timeout, or visible again.

        Both count: a timeout that ends between a poll and this check leaves the message
        visible, and a drain that looked only at invisible ones would stop before it.
        """
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        return sum(
            int(value)
            for url in (self.resources.queue_urls[spec.key] for spec in QUEUES)
            for value in self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values()
        )

    def redrive(self) -> int:
        moved = 0
        for spec in QUEUES:
            dlq, source = self.resources.dlq_urls[spec.key], self.resources.queue_urls[spec.key]
            while messages := self.sqs.receive_message(
                QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages"):
                for message in messages:
                    self.sqs.send_message(
                        QueueUrl=source,
                        MessageBody=message["Body"],
                        MessageAttributes=message.get("MessageAttributes", {}),
                    )
                    self.sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
                    moved += 1
        return moved

    def counts(self) -> dict[str, tuple[int, int]]:
        items = self.dynamodb.scan(TableName=self.resources.table_names["counts"])["Items"]
        return {item["pageKey"]["S"]: (int(item["totalViews"]["N"]), int(item["uniqueViews"]["N"])) for item in items}

    def referrals(self) -> Counter:
        items = self.dynamodb.scan(TableName=self.resources.table_names["counts"])["Items"]
        return Counter(
            {
                (item["pageKey"]["S"], name.removeprefix("referrer:")): int(value["N"])
                for item in items
                for name, value in item.items()
                if name.startswith("referrer:")
            }
        )
