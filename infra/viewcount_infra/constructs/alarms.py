"""Alarms: any message in a dead-letter queue, any function error, and a counting backlog."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.nag import acknowledge


class OperationsAlarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        dead_letter_queues: dict[str, sqs.IQueue],
        functions: dict[str, lambda_.Function],
        stream_consumer: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        # CloudWatch cannot publish to a topic encrypted with the AWS managed key (its key
        # policy, which nobody can edit, does not let CloudWatch use it): no alarm would ever
        # arrive. A key of our own would cost 1 USD a month to hide alarm names and numbers.
        self.topic = sns.Topic(self, "Alarms", topic_name=f"{config.prefix}-alarms", enforce_ssl=True)
        acknowledge(
            self.topic,
            "AwsSolutions-SNS2",
            "Alarm notifications hold alarm names and metric values, no reader's data; CloudWatch cannot publish "
            "to a topic under the AWS managed key, and a customer managed key costs 1 USD a month.",
        )
        # The topic's own policy (it enforces TLS) replaces SNS's default one: say who may publish.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        notify = actions.SnsAction(self.topic)
        for name, queue in dead_letter_queues.items():
            # Every message here is a view, or a batch of pushes, that was not handled.
            alarm = queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            ).create_alarm(
                self,
                f"{name}-dlq",
                alarm_description=f"Messages in the {name} dead-letter queue",
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(notify)
        for name, function in functions.items():
            alarm = function.metric_errors(period=Duration.minutes(5), statistic="Sum").create_alarm(
                self,
                f"{name}-errors",
                alarm_description=f"Errors in the {name} function",
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(notify)
        # Failed stream records are reported, not raised, and retried until they succeed: a
        # batch that keeps failing shows as views waiting ever longer to be counted.
        stream_consumer.metric("IteratorAge", period=Duration.minutes(5), statistic="Maximum").create_alarm(
            self,
            "counting-backlog",
            alarm_description="Views have waited more than 5 minutes to be counted",
            threshold=5 * 60 * 1000,
            evaluation_periods=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ).add_alarm_action(notify)
