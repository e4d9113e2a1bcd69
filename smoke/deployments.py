"""Where the suite (and ./admin.sh dashboard-url, share-link) reads a deployment's addresses,
owner key and function logs.

On AWS, with the caller's credentials: the stack's CloudFormation outputs
(`cloudformation:DescribeStacks`), the owner key's secret (`secretsmanager:GetSecretValue`)
and the functions' log groups (`logs:FilterLogEvents`, `/aws/lambda/<function name>`). The
local stack keeps the same in its data directory: `outputs.json` (the same output names,
while it runs), `dashboard-url` (kept once it stops), `owner-key` and
`logs/<function name>.log` (local_stack.state, local_stack.function_logs).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import FunctionSpec, owner_key_secret_name_of, stack_name

# The stack's outputs the suite reads (infra/viewcount_infra/stack.py).
OUTPUT_NAMES = ("WebSocketUrl", "HttpApiUrl", "DashboardUrl")


class DeploymentError(Exception):
    """The deployment cannot be read: the suite says why and checks nothing."""


@dataclass(frozen=True)
class Outputs:
    websocket_url: str
    http_api_url: str
    dashboard_url: str

    @classmethod
    def of(cls, outputs: dict[str, str], where: str) -> Outputs:
        missing = [name for name in OUTPUT_NAMES if not outputs.get(name)]
        if missing:
            raise DeploymentError(f"{where} has no output {', '.join(missing)}: deploy this version first")
        return cls(outputs["WebSocketUrl"], outputs["HttpApiUrl"].rstrip("/"), outputs["DashboardUrl"])


def function_name(namespace: str, spec: FunctionSpec) -> str:
    """A function's deployed name in that namespace (the local stack's is the same)."""
    return spec.deployed_name(DeploymentConfig.prefix_of(namespace))


def matching_lines(messages: list[str], phrase: str) -> list[dict[str, Any]]:
    """The JSON log lines among `messages` whose `message` is `phrase`. Lambda's JSON log
    format may wrap an application's line: then it is the wrapper's `message`."""
    found = []
    for text in messages:
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and isinstance(line.get("message"), dict):
            line = line["message"]
        if isinstance(line, dict) and line.get("message") == phrase:
            found.append(line)
    return found


class Deployment:
    """What the suite needs of a deployment; `AwsDeployment` and `LocalDeployment`."""

    namespace: str
    where: str  # for messages
    # How long function logs may take to show (CloudWatch Logs' ingestion).
    log_delay_seconds: float

    def outputs(self) -> Outputs:
        raise NotImplementedError

    def dashboard_url(self) -> str:
        """The dashboard's address (`DashboardUrl`), which the deployment keeps when it is not
        running too."""
        raise NotImplementedError

    def owner_key(self) -> str:
        raise NotImplementedError

    def log_lines(self, spec: FunctionSpec, phrase: str, since: float) -> list[dict[str, Any]]:
        """The JSON lines that function logged since `since` (epoch seconds) with that message."""
        raise NotImplementedError

    def message_count_command(self, endpoint: str, websocket_url: str, start: float, end: float) -> str | None:
        """The command that reads the WebSocket API's billed messages over [start, end]; None
        where there is no CloudWatch."""
        raise NotImplementedError


class AwsDeployment(Deployment):
    log_delay_seconds = 120.0

    def __init__(self, namespace: str, region: str | None = None, session: Any = None) -> None:
        """`region` None: the caller's default region; `session` None: boto3's default session."""
        self.namespace = namespace
        self.region = region
        self.session = session
        self.stack_name = stack_name(namespace)
        self.where = f"the stack {self.stack_name}" + (f" in {region}" if region else "")
        self._outputs: dict[str, str] | None = None

    def _client(self, service: str) -> Any:
        if self.session is None:
            import boto3

            return boto3.client(service, region_name=self.region)
        return self.session.client(service, region_name=self.region)

    def _stack_outputs(self) -> dict[str, str]:
        if self._outputs is None:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                stacks = self._client("cloudformation").describe_stacks(StackName=self.stack_name)["Stacks"]
            except (BotoCoreError, ClientError) as error:
                raise DeploymentError(f"cannot read {self.where}: {error}") from None
            self._outputs = {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}
        return self._outputs

    def outputs(self) -> Outputs:
        return Outputs.of(self._stack_outputs(), self.where)

    def dashboard_url(self) -> str:
        url = self._stack_outputs().get("DashboardUrl")
        if not url:
            raise DeploymentError(f"{self.where} has no output DashboardUrl: deploy this version first (./deploy.sh)")
        return url

    def owner_key(self) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        secret = self._stack_outputs().get("OwnerKeySecretName") or owner_key_secret_name_of(self.namespace)
        try:
            return self._client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"].strip()
        except (BotoCoreError, ClientError) as error:
            raise DeploymentError(f"cannot read the owner key's secret {secret}: {error}") from None

    def log_lines(self, spec: FunctionSpec, phrase: str, since: float) -> list[dict[str, Any]]:
        from botocore.exceptions import BotoCoreError, ClientError

        group = f"/aws/lambda/{function_name(self.namespace, spec)}"
        request: dict[str, Any] = {
            "logGroupName": group,
            "startTime": int(since * 1000),
            "filterPattern": json.dumps(phrase),  # a quoted phrase: the lines that hold it
        }
        messages: list[str] = []
        try:
            for page in self._client("logs").get_paginator("filter_log_events").paginate(**request):
                messages += [event["message"] for event in page.get("events", [])]
        except (BotoCoreError, ClientError) as error:
            raise DeploymentError(f"cannot read the log group {group}: {error}") from None
        return matching_lines(messages, phrase)

    def message_count_command(self, endpoint: str, websocket_url: str, start: float, end: float) -> str:
        api_id = api_id_of(endpoint) or api_id_of(websocket_url)
        if api_id is None:
            # A custom domain names no API: the command looks it up by the API's name.
            api_id = (
                f"$(aws apigatewayv2 get-apis --region {self.region} "
                f"--query \"Items[?Name=='viewcount-{self.namespace}'].ApiId\" --output text)"
            )
        first = math.floor(start / 60) * 60
        last = math.ceil(end / 60) * 60 + 60
        return (
            "aws cloudwatch get-metric-statistics --namespace AWS/ApiGateway --metric-name MessageCount "
            f"--dimensions Name=ApiId,Value={api_id} Name=Stage,Value={self.namespace} "
            f"--start-time {iso_minute(first)} --end-time {iso_minute(last)} --period 60 --statistics Sum "
            f"--region {self.region}"
        )


class LocalDeployment(Deployment):
    def __init__(self, data_dir: Path, namespace: str = "local", log_delay_seconds: float = 10.0) -> None:
        self.data_dir = data_dir
        self.namespace = namespace
        self.where = f"the local stack in {data_dir}"
        self.log_delay_seconds = log_delay_seconds

    def outputs(self) -> Outputs:
        from local_stack import state

        try:
            outputs = state.read_outputs(self.data_dir)
        except FileNotFoundError:
            raise DeploymentError(
                f"no {state.OUTPUTS} in {self.data_dir}: is the local stack running there "
                f"(./run_local.sh --data-dir {self.data_dir})?"
            ) from None
        except ValueError as error:
            raise DeploymentError(str(error)) from None
        return Outputs.of(outputs, self.where)

    def dashboard_url(self) -> str:
        from local_stack import state

        url = state.dashboard_url(self.data_dir)
        if url is None:
            raise DeploymentError(f"no dashboard in {self.data_dir}: start the local stack there first")
        return url

    def owner_key(self) -> str:
        from local_stack import state

        key = state.owner_key(self.data_dir)
        if key is None:
            raise DeploymentError(f"no owner key in {self.data_dir}: start the local stack there first")
        return key

    def log_lines(self, spec: FunctionSpec, phrase: str, since: float) -> list[dict[str, Any]]:
        from local_stack import state
        from local_stack.function_logs import log_files

        messages = []
        for path in log_files(self.data_dir / state.LOGS, function_name(self.namespace, spec)):
            try:
                messages += path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                continue
        return [line for line in matching_lines(messages, phrase) if logged_at(line, since)]

    def message_count_command(self, endpoint: str, websocket_url: str, start: float, end: float) -> None:
        return None


def logged_at(line: dict[str, Any], since: float) -> bool:
    """Whether a Powertools line (its `timestamp`, e.g. `2026-12-07 10:00:00,123+0000`) was
    logged at or after `since`; a line whose time cannot be read counts as recent."""
    stamp = line.get("timestamp")
    if not isinstance(stamp, str):
        return True
    for layout in ("%Y-%m-%d %H:%M:%S,%f%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S.%f%z"):
        try:
            return datetime.strptime(stamp, layout).timestamp() >= since
        except ValueError:
            continue
    return True


def api_id_of(url: str) -> str | None:
    """The API's id in an execute-api URL (`wss://<id>.execute-api.<region>.amazonaws.com/<stage>`)."""
    host = urlsplit(url).hostname or ""
    first, _, rest = host.partition(".")
    return first if rest.startswith("execute-api.") and first else None


def iso_minute(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
