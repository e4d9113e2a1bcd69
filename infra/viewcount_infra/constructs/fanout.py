"""The fan-out: one topic, and one filtered queue (with its DLQ) per consumer."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.constructs.functions import ViewcountFunctions
from viewcount_infra.topology import MAX_RECEIVE_COUNT, QUEUES, QueueSpec, topic_name


class ViewFanout(Construct):
    def __init__(self, scope: Construct, construct_id: str, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.topic = sns.Topic(
            self,
            "Views",
            topic_name=topic_name(config),
            # The AWS-managed key: SNS can still deliver to the SQS-managed-encrypted queues.
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
            enforce_ssl=True,
        )
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for spec in QUEUES:
            self._queue(spec)

    def _queue(self, spec: QueueSpec) -> None:
        dlq = sqs.Queue(
            self,
            f"{spec.key}-dlq",
            queue_name=spec.dlq_name(self._config),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        queue = sqs.Queue(
            self,
            spec.key,
            queue_name=spec.physical_name(self._config),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds()),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=MAX_RECEIVE_COUNT),
        )
        # Raw delivery: consumers read the view itself, not an SNS envelope around it.
        self.topic.add_subscription(
            subscriptions.SqsSubscription(
                queue,
                raw_message_delivery=True,
                filter_policy={
                    attribute: sns.SubscriptionFilter.string_filter(allowlist=list(values))
                    for attribute, values in spec.filter_policy.items()
                },
            )
        )
        self.queues[spec.key] = queue
        self.dead_letter_queues[spec.key] = dlq

    def attach_consumers(self, functions: ViewcountFunctions) -> None:
        """Each queue feeds its consumer in large batches, failing only the records that failed."""
        for spec in QUEUES:
            functions[spec.consumer].add_event_source(
                event_sources.SqsEventSource(
                    self.queues[spec.key],
                    batch_size=self._config.sqs_batch_size,
                    max_batching_window=Duration.seconds(self._config.sqs_batch_window_seconds),
                    report_batch_item_failures=True,
                    # Caps the consumer without reserved concurrency, which would throttle it.
                    max_concurrency=self._config.consumer_max_concurrency,
                )
            )
