"""The push path: the visitor days' stream feeds the function that counts views and pushes
counts; busy pages' coalesced pushes go through a delay queue to the function that pushes
all their readers."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.constructs.counters import CounterTables
from viewcount_infra.constructs.functions import ViewcountFunctions
from viewcount_infra.topology import (
    MAX_RECEIVE_COUNT,
    PUSH_REQUESTS,
    STREAM_CONSUMER,
    STREAM_FILTER,
    STREAM_SOURCES,
    STREAM_TUMBLING_WINDOW_SECONDS,
    stream_dlq_name,
)


class PushPath(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        # Where a stream batch goes if its retries are ever limited: a pointer to the records.
        self.failures = self._queue("Failures", stream_dlq_name(config))
        self.request_failures = self._queue("RequestFailures", PUSH_REQUESTS.dlq_name(config))
        # Pushes requested by the counting function, each delayed until it is due.
        self.requests = sqs.Queue(
            self,
            "Requests",
            queue_name=PUSH_REQUESTS.physical_name(config),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(PUSH_REQUESTS.visibility_timeout_seconds()),
            # A push of stale counts is worth nothing: a request not done within minutes is dropped.
            retention_period=Duration.minutes(10),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.request_failures, max_receive_count=MAX_RECEIVE_COUNT),
        )

    def _queue(self, construct_id: str, name: str) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            queue_name=name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )

    def attach(self, functions: ViewcountFunctions, tables: CounterTables) -> None:
        for spec in STREAM_SOURCES:
            functions[STREAM_CONSUMER].add_event_source(
                event_sources.DynamoEventSource(
                    tables[spec.key],
                    starting_position=lambda_.StartingPosition.LATEST,
                    batch_size=self._config.stream_batch_size,
                    max_batching_window=Duration.seconds(self._config.stream_batch_window_seconds),
                    filters=[lambda_.FilterCriteria.filter(STREAM_FILTER)],
                    tumbling_window=Duration.seconds(STREAM_TUMBLING_WINDOW_SECONDS),
                    bisect_batch_on_error=True,
                    retry_attempts=self._config.stream_retry_attempts,
                    report_batch_item_failures=True,
                    on_failure=event_sources.SqsDlq(self.failures),
                )
            )
        # No batching window: a request is sent when it is due, and waiting adds to staleness.
        functions[PUSH_REQUESTS.consumer].add_event_source(
            event_sources.SqsEventSource(self.requests, batch_size=10, report_batch_item_failures=True)
        )
