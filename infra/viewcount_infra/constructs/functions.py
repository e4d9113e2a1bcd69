"""One factory for every function: runtime, architecture, layer, logs and permissions."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from viewcount.sites import Sites
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.constructs.counters import CounterTables
from viewcount_infra.topology import FUNCTIONS, FunctionSpec

RUNTIME = lambda_.Runtime.PYTHON_3_14
# AWS's public Powertools layer; its name encodes the runtime and architecture.
POWERTOOLS_LAYER = (
    "arn:{partition}:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:{version}"
)
# Where a function finds the sites file: its layer is unpacked under /opt.
SITES_FILE_IN_LAYER = "viewcount/sites.json"


class ViewcountFunctions(Construct):
    """Builds each function of the topology from its zip in `dist/`, with exactly its grants."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        dist_dir: Path,
        tables: CounterTables,
        topic: sns.ITopic,
        stage: apigwv2.WebSocketStage,
        push_requests: sqs.IQueue,
        owner_key: secretsmanager.ISecret,
        dashboard_origins: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self._push_requests = push_requests
        self._owner_key = owner_key
        self._dashboard_origins = ",".join(dashboard_origins)
        self._config = config
        self._dist_dir = dist_dir
        self._tables = tables
        self._topic = topic
        self._stage = stage
        self._powertools = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "Powertools",
            POWERTOOLS_LAYER.format(
                partition=Aws.PARTITION, region=Aws.REGION, version=config.powertools_layer_version
            ),
        )
        self._sites = self._sites_layer()
        self.functions: dict[str, lambda_.Function] = {spec.name: self._function(spec) for spec in FUNCTIONS}

    def __getitem__(self, spec: FunctionSpec) -> lambda_.Function:
        return self.functions[spec.name]

    def _sites_layer(self) -> lambda_.LayerVersion:
        """The sites file in a layer of its own: a Lambda environment holds 4 KB in all, and
        the sites' allow-lists may be longer. Written next to the packages, in a folder named
        by its content, so that synths of other settings never write over it."""
        text = self._config.sites.as_json()
        folder = self._dist_dir / "sites" / hashlib.sha256(text.encode()).hexdigest()[:16]
        path = folder / SITES_FILE_IN_LAYER
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return lambda_.LayerVersion(
            self,
            "Sites",
            layer_version_name=f"{self._config.prefix}-sites",
            description="The sites this deployment counts: origins, time zones, page rules, caps",
            code=lambda_.Code.from_asset(str(folder)),
            compatible_architectures=[lambda_.Architecture.ARM_64],
            compatible_runtimes=[RUNTIME],
        )

    def _function(self, spec: FunctionSpec) -> lambda_.Function:
        name = spec.deployed_name(self._config.prefix)
        log_group = logs.LogGroup(
            self,
            f"{spec.name}-logs",
            log_group_name=f"/aws/lambda/{name}",
            retention=_retention(self._config.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN if self._config.is_production else RemovalPolicy.DESTROY,
        )
        # An own role instead of AWSLambdaBasicExecutionRole: it may write to its own
        # log group only, not to every log group in the account.
        role = iam.Role(self, f"{spec.name}-role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        log_group.grant_write(role)
        table_names = {key: table.table_name for key, table in self._tables.tables.items()}
        function = lambda_.Function(
            self,
            spec.name,
            function_name=name,
            description=spec.description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(str(self._dist_dir / f"{spec.code}.zip")),
            handler="handler.handler",
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            layers=[self._powertools, self._sites] if spec.needs_sites else [self._powertools],
            role=role,
            log_group=log_group,
            # JSON logs, and no START/END/REPORT lines: log ingestion is billed per byte.
            logging_format=lambda_.LoggingFormat.JSON,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            environment=spec.environment(
                self._config,
                table_names,
                self._topic.topic_arn,
                self._stage.callback_url,
                self._push_requests.queue_url,
                f"/opt/{SITES_FILE_IN_LAYER}",
                # The secret's ARN, never its value: the function reads the key at init.
                owner_key_secret=self._owner_key.secret_arn if spec.reads_owner_key else "",
                dashboard_origins=self._dashboard_origins if spec.knows_dashboard else "",
            ),
        )
        for table_key, actions in spec.table_actions.items():
            self._grant_table(function, table_key, actions, spec.key_prefixes.get(table_key, ()))
        if spec.publishes_views:
            self._topic.grant_publish(function)
        if spec.posts_to_connections:
            self._stage.grant_management_api_access(function)
        if spec.requests_pushes:
            self._push_requests.grant_send_messages(function)
        if spec.reads_owner_key:
            self._owner_key.grant_read(function)
        return function

    def _grant_table(
        self, function: lambda_.Function, table_key: str, actions: tuple[str, ...], key_prefixes: tuple[str, ...]
    ) -> None:
        """Exactly the named actions on the table (`Table.grant_*` would add more than needed),
        on items whose partition key starts with one of `key_prefixes` when it names any."""
        table = self._tables[table_key]
        conditions = (
            {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": leading_keys(key_prefixes, self._config.sites)}}
            if key_prefixes
            else None
        )
        function.add_to_role_policy(
            iam.PolicyStatement(actions=list(actions), resources=[table.table_arn], conditions=conditions)
        )


def leading_keys(key_prefixes: Iterable[str], sites: Sites) -> list[str]:
    """The partition key patterns a grant allows: each prefix once per site (the smoke test's
    included) where it names `{site}`, once where it names none (the Access table's `ticket#`)."""
    patterns = [prefix.format(site=site.id) + "*" for prefix in key_prefixes for site in (*sites, sites.smoke)]
    return list(dict.fromkeys(patterns))


RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def _retention(days: int) -> logs.RetentionDays:
    return RETENTION[days]
