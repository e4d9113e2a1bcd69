"""Shared fixtures. Fake credentials are set before anything creates a boto3 client."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = Path(__file__).resolve().parent / "events"

# Never reach real AWS: fake credentials and region, and moto-compatible stream endpoints.
for name, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_METRICS_NAMESPACE": "Viewcount/test",
    "POWERTOOLS_SERVICE_NAME": "viewcount-test",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
}.items():
    os.environ[name] = value
for variable in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "NAMESPACE"):
    os.environ.pop(variable, None)

WS_ENDPOINT = "https://abc123.execute-api.us-east-1.amazonaws.com/local"
# Readers' User-Agents besides the harness's Firefox (local_stack.harness.BROWSER_USER_AGENT).
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


# The dashboard of the `aws` fixture: its owner key (in moto's Secrets Manager) and origin.
OWNER_KEY = "Owner0key0of0the0tests0000000000000000000"[:40]
DASHBOARD_ORIGIN = "https://dash.example.com"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def fail_dynamodb(client: Any) -> None:
    """Every later DynamoDB call of `client` is throttled."""
    from botocore.exceptions import ClientError

    def throttle(model: Any, **_: Any) -> None:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "test"}}, model.name)

    client.meta.events.register("before-call.dynamodb", throttle)


def load_handler(code: str, env: dict[str, str]) -> ModuleType:
    """Import `lambdas/<code>/handler.py` afresh, as a Lambda init would, with only `env` set."""
    from local_stack.functions import import_handler

    return import_handler(code, f"handler_{code}_{len(sys.modules)}", env)


def with_site(config: Any, **changes: Any) -> Any:
    """The config with its (one) site changed: `with_site(config, page_limit=2)`."""
    import dataclasses

    from viewcount.sites import Sites

    return dataclasses.replace(config, sites=Sites((dataclasses.replace(config.sites.default, **changes),)))


@pytest.fixture
def local_config():
    from viewcount_infra.config import DeploymentConfig

    return DeploymentConfig.load("local", {"LOCAL_CLIENT_URL": "https://blog.example.com,http://localhost:8000"})


@pytest.fixture
def aws(local_config) -> Iterator[Any]:
    """Fresh moto state with every table, topic and queue of the topology."""
    import boto3
    from moto import mock_aws

    from local_stack.resources import create_resources

    with mock_aws():
        clients = {name: boto3.client(name) for name in ("dynamodb", "sns", "sqs")}
        resources = create_resources(
            local_config,
            clients["dynamodb"],
            clients["sns"],
            clients["sqs"],
            owner_key=OWNER_KEY,
            dashboard_origins=DASHBOARD_ORIGIN,
        )
        yield AwsFixture(local_config, resources, clients)


class AwsFixture:
    def __init__(self, config: Any, resources: Any, clients: dict[str, Any]) -> None:
        self.config = config
        self.resources = resources
        self.dynamodb = clients["dynamodb"]
        self.sns = clients["sns"]
        self.sqs = clients["sqs"]

    def handler(self, spec: Any) -> ModuleType:
        env = self.resources.environment(spec, self.config, WS_ENDPOINT)
        return load_handler(spec.code, env)

    def item(self, table_key: str, key: dict[str, str]) -> dict[str, Any] | None:
        response = self.dynamodb.get_item(
            TableName=self.resources.table_names[table_key], Key={k: {"S": v} for k, v in key.items()}
        )
        return response.get("Item")

    def scan(self, table_key: str) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=self.resources.table_names[table_key])["Items"]

    def drain(self, queue_key: str) -> list[dict[str, Any]]:
        """Every message waiting in a queue, as SQS hands them to Lambda."""
        url = self.resources.queue_urls[queue_key]
        messages = []
        while batch := self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages"):
            messages += batch
            for message in batch:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return messages

    def sent_frames(self, connection_id: str) -> list[dict[str, Any]]:
        return sent_frames(connection_id)


def sent_frames(connection_id: str) -> list[dict[str, Any]]:
    """Frames posted to a connection through moto's management API."""
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

    # moto keys connections by the URL-encoded id ("=" in real ids becomes "%3D").
    backend = apigatewaymanagementapi_backends["123456789012"]["us-east-1"]
    data = backend.connections[quote(connection_id, safe="")].data.decode()
    decoder, frames, position = json.JSONDecoder(), [], 0
    while position < len(data):
        frame, position = decoder.raw_decode(data, position)
        frames.append(frame)
    return frames


class LambdaContext:
    function_name = "test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "request-1"


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()
