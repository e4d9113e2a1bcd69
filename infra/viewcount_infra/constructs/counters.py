"""The tables: the visitor days (with their stream), the counts, and the short-lived salts."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.nag import acknowledge
from viewcount_infra.topology import STREAM_VIEW_TYPE, TABLES, TableSpec


class CounterTables(Construct):
    """On-demand tables, with point-in-time recovery where the topology keeps backups; retained in prod only."""

    def __init__(self, scope: Construct, construct_id: str, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.Table] = {spec.key: self._table(spec, config) for spec in TABLES}

    def __getitem__(self, key: str) -> dynamodb.Table:
        return self.tables[key]

    def _table(self, spec: TableSpec, config: DeploymentConfig) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            spec.logical_name,
            table_name=spec.physical_name(config),
            partition_key=dynamodb.Attribute(name=spec.partition_key, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=spec.sort_key, type=dynamodb.AttributeType.STRING)
            if spec.sort_key
            else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=spec.backups
            ),
            stream=dynamodb.StreamViewType(STREAM_VIEW_TYPE) if spec.stream else None,
            time_to_live_attribute=spec.ttl_attribute,
            deletion_protection=config.is_production,
            removal_policy=RemovalPolicy.RETAIN if config.is_production else RemovalPolicy.DESTROY,
        )
        if not spec.backups:
            acknowledge(
                table,
                "AwsSolutions-DDB3",
                "Its items must be gone within 48 h (PRIVACY.md); point-in-time recovery would keep them 35 days. "
                "They are rebuilt by use: a lost salt or visitor day costs at most a day's uniqueness.",
            )
        return table
