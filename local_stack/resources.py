"""Create the AWS resources of the topology in moto: the same names, keys and filters as in AWS."""

from __future__ import annotations

import hashlib
import json
import secrets
import string
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import (
    MAX_RECEIVE_COUNT,
    PUSH_REQUESTS,
    QUEUES,
    STREAM_VIEW_TYPE,
    TABLES,
    FunctionSpec,
    TableSpec,
    owner_key_secret_name,
    stream_dlq_name,
    topic_name,
)


@dataclass
class LocalResources:
    table_names: dict[str, str] = field(default_factory=dict)
    stream_arns: dict[str, str] = field(default_factory=dict)
    topic_arn: str = ""
    queue_urls: dict[str, str] = field(default_factory=dict)
    dlq_urls: dict[str, str] = field(default_factory=dict)
    count_failures_url: str = ""
    owner_key_secret_arn: str = ""
    # The dashboard's origin(s), comma-separated: admitted with a ticket, answered with CORS.
    dashboard_origins: str = ""

    @property
    def push_queue_url(self) -> str:
        return self.queue_urls[PUSH_REQUESTS.key]

    def environment(self, spec: FunctionSpec, config: DeploymentConfig, ws_endpoint: str) -> dict[str, str]:
        """The function's environment with these resources' names, and the sites of `config`."""
        return spec.environment(
            config,
            self.table_names,
            self.topic_arn,
            ws_endpoint,
            self.push_queue_url,
            write_sites_file(config),
            owner_key_secret=self.owner_key_secret_arn,
            dashboard_origins=self.dashboard_origins,
        )


def write_sites_file(config: DeploymentConfig) -> str:
    """The sites file the functions read (in AWS it is in their layer). Named by its content,
    so that writing the same sites again writes the same file."""
    text = config.sites.as_json()
    path = Path(tempfile.gettempdir()) / f"viewcount-sites-{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"
    if not path.exists():
        temporary = path.with_suffix(f".{id(text)}.tmp")
        temporary.write_text(text)
        temporary.replace(path)
    return str(path)


def create_table(dynamodb: Any, spec: TableSpec, config: DeploymentConfig) -> dict[str, Any]:
    keys = [(spec.partition_key, "HASH")] + ([(spec.sort_key, "RANGE")] if spec.sort_key else [])
    request: dict[str, Any] = {
        "TableName": spec.physical_name(config),
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in keys],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name, _ in keys],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if spec.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE}
    description = dynamodb.create_table(**request)["TableDescription"]
    if spec.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=request["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )
    return description


def new_owner_key() -> str:
    """40 random letters and digits, as the deployed secret's generated key is."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(40))


def create_resources(
    config: DeploymentConfig,
    dynamodb: Any,
    sns: Any,
    sqs: Any,
    visibility_timeout_seconds: int | None = None,
    *,
    owner_key: str | None = None,
    dashboard_origins: str = "",
    secretsmanager: Any = None,
) -> LocalResources:
    """Every resource of the topology. `visibility_timeout_seconds` shortens the queues'
    6x-timeout visibility only for tests that wait for redelivery; `owner_key` is the
    dashboard's (random when not given), `dashboard_origins` where it is served, and
    `secretsmanager` the client that keeps it (boto3's default one when not given)."""
    if secretsmanager is None:
        import boto3

        secretsmanager = boto3.client("secretsmanager")
    resources = LocalResources(dashboard_origins=dashboard_origins)
    key = owner_key or new_owner_key()
    resources.owner_key_secret_arn = create_owner_key_secret(secretsmanager, config, key)
    for spec in TABLES:
        description = create_table(dynamodb, spec, config)
        resources.table_names[spec.key] = description["TableName"]
        if spec.stream:
            resources.stream_arns[spec.key] = description["LatestStreamArn"]
    resources.topic_arn = sns.create_topic(Name=topic_name(config))["TopicArn"]
    for spec in (*QUEUES, PUSH_REQUESTS):
        dlq_url = sqs.create_queue(QueueName=spec.dlq_name(config))["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_url = sqs.create_queue(
            QueueName=spec.physical_name(config),
            Attributes={
                "VisibilityTimeout": str(
                    spec.visibility_timeout_seconds()
                    if visibility_timeout_seconds is None
                    else visibility_timeout_seconds
                ),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
            },
        )["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        resources.queue_urls[spec.key] = queue_url
        resources.dlq_urls[spec.key] = dlq_url
        if spec is PUSH_REQUESTS:
            continue  # sent to by the counting function, not fed by the topic
        sns.subscribe(
            TopicArn=resources.topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={
                "RawMessageDelivery": "true",
                "FilterPolicy": json.dumps({name: list(values) for name, values in spec.filter_policy.items()}),
            },
        )
    resources.count_failures_url = sqs.create_queue(QueueName=stream_dlq_name(config))["QueueUrl"]
    return resources


def create_owner_key_secret(secretsmanager: Any, config: DeploymentConfig, key: str) -> str:
    """The owner key's secret, as the deployment has it; its ARN."""
    return secretsmanager.create_secret(Name=owner_key_secret_name(config), SecretString=key)["ARN"]
