"""The push path: the view log's stream feeds the function that counts views and pushes counts."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.constructs.counters import CounterTables
from viewcount_infra.topology import STREAM_FILTER, STREAM_SOURCES, STREAM_TUMBLING_WINDOW_SECONDS, stream_dlq_name


class PushPath(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        tables: CounterTables,
        count_views: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        # Where a stream batch goes if its retries are ever limited: a pointer to the records.
        self.failures = sqs.Queue(
            self,
            "Failures",
            queue_name=stream_dlq_name(config),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        for spec in STREAM_SOURCES:
            count_views.add_event_source(
                event_sources.DynamoEventSource(
                    tables[spec.key],
                    starting_position=lambda_.StartingPosition.LATEST,
                    batch_size=config.stream_batch_size,
                    max_batching_window=Duration.seconds(config.stream_batch_window_seconds),
                    filters=[lambda_.FilterCriteria.filter(STREAM_FILTER)],
                    tumbling_window=Duration.seconds(STREAM_TUMBLING_WINDOW_SECONDS),
                    bisect_batch_on_error=True,
                    retry_attempts=config.stream_retry_attempts,
                    report_batch_item_failures=True,
                    on_failure=event_sources.SqsDlq(self.failures),
                )
            )
