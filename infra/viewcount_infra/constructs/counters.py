"""The tables: connections, the writer tables (with streams), the reader and referrers."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import TABLES, TableSpec


class CounterTables(Construct):
    """On-demand tables with point-in-time recovery; retained in prod only."""

    def __init__(self, scope: Construct, construct_id: str, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        self.specs: dict[str, TableSpec] = {spec.key: spec for spec in TABLES}
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
                point_in_time_recovery_enabled=True
            ),
            # The push path needs only the new counts, not the old ones.
            stream=dynamodb.StreamViewType.NEW_IMAGE if spec.stream else None,
            time_to_live_attribute=spec.ttl_attribute,
            deletion_protection=config.is_production,
            removal_policy=RemovalPolicy.RETAIN if config.is_production else RemovalPolicy.DESTROY,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.partition_key, type=dynamodb.AttributeType.STRING),
                # The push path needs only connection ids, so the index stays as small as it can.
                projection_type=dynamodb.ProjectionType.KEYS_ONLY,
            )
        return table
