"""Property: small traces under random fault schedules end with every view counted once.

The real handlers run on moto, fed by the local stack's own event source mappings (the
same retry, bisect and DLQ behaviour) and faulted by its `FaultPlan`: consumer and
counting crashes between writes, DynamoDB throttling and 5xx, duplicate deliveries and
failed pushes. Messages that reach a DLQ are redriven, as an operator would.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from local_stack.faults import KINDS, FaultPlan
from local_stack.functions import LocalFunction
from local_stack.resources import create_resources
from local_stack.triggers import SqsTrigger, StreamTrigger
from tests.conftest import WS_ENDPOINT, load_handler
from viewcount.pages import Page, page_from_key
from viewcount.views import AcceptedView
from viewcount_infra.topology import FUNCTIONS, QUEUES, STREAM_CONSUMER, VIEW_LOG

PAGE_KEYS = ("post#alpha", "post#beta", "post#gamma", "page#Home_Page", "page#About_Page")
views_strategy = st.lists(
    st.tuples(st.sampled_from(PAGE_KEYS), st.booleans(), st.sampled_from([None, "news.ycombinator.com"])),
    min_size=1,
    max_size=25,
)
faults_strategy = st.dictionaries(st.sampled_from(KINDS), st.sampled_from([0.1, 0.3, 0.5]), min_size=1)


def accepted(index: int, page: Page, unique: bool, host: str | None) -> AcceptedView:
    return AcceptedView(
        view_id=f"view-{index}",
        page=page,
        article_title="A title" if page.article_id else None,
        unique=unique,
        referrer_host=host,
        viewed_at=1795939200 + index,
        connection_id=f"connection-{index}=",
        connected_at=int(time.time()),
    )


class Pipeline:
    """Moto resources, the real handlers and the local stack's triggers, run step by step."""

    def __init__(self, config, rates: dict[str, float], seed: int) -> None:
        # No batching windows, and failed messages visible again after 1 s (the least SQS has
        # that does not hand a message out again while its batch is being collected).
        self.config = dataclasses.replace(config, sqs_batch_window_seconds=0, stream_batch_window_seconds=0)
        clients = {name: boto3.client(name) for name in ("dynamodb", "sns", "sqs", "dynamodbstreams")}
        self.sns, self.sqs, self.dynamodb = clients["sns"], clients["sqs"], clients["dynamodb"]
        self.resources = create_resources(self.config, self.dynamodb, self.sns, self.sqs, visibility_timeout_seconds=1)
        functions = {}
        for spec in FUNCTIONS:
            env = spec.environment(self.config, self.resources.table_names, self.resources.topic_arn, WS_ENDPOINT)
            functions[spec.name] = LocalFunction(spec, load_handler(spec.code, env), spec.name)
        self.queues = []
        for spec in QUEUES:
            url = self.resources.queue_urls[spec.key]
            arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self.queues.append(SqsTrigger(self.sqs, url, arn, functions[spec.consumer.name], self.config))
        self.stream = StreamTrigger(
            clients["dynamodbstreams"],
            self.sqs,
            self.resources.stream_arns[VIEW_LOG.key],
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
                    self.stream.deliver(shard_id, [r for r in records if r["eventName"] == "INSERT"])
            if handled:
                continue
            if self.in_flight():
                time.sleep(0.2)  # failed messages become visible again
            elif not self.redrive():
                return

    def in_flight(self) -> int:
        return sum(
            int(
                self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
                    "Attributes"
                ]["ApproximateNumberOfMessagesNotVisible"]
            )
            for url in self.resources.queue_urls.values()
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


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(views=views_strategy, rates=faults_strategy, seed=st.integers(0, 2**32 - 1))
def test_every_view_is_counted_exactly_once_whatever_fails(local_config, views, rates, seed):
    with mock_aws():
        pipeline = Pipeline(local_config, rates, seed)
        for index, (page_key, unique, host) in enumerate(views):
            pipeline.publish(accepted(index, page_from_key(page_key), unique, host))

        pipeline.drain()

        expected: dict[str, tuple[int, int]] = {}
        for page_key, unique, _ in views:
            total, uniques = expected.get(page_key, (0, 0))
            expected[page_key] = (total + 1, uniques + unique)
        expected["site"] = (len(views), sum(unique for _, unique, _ in views))
        assert pipeline.counts() == expected
        assert pipeline.referrals() == Counter((page_key, host) for page_key, _, host in views if host)
