"""Where the suite reads a deployment: the AWS adapter against moto's CloudFormation, Secrets
Manager and CloudWatch Logs, and the local stack's files."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

import pytest
from moto import mock_aws

from local_stack import state
from local_stack.function_logs import FunctionLogFiles
from smoke.deployments import AwsDeployment, DeploymentError, LocalDeployment, Outputs
from viewcount_infra.topology import COUNT_VIEWS, VIEWS

REGION = "eu-west-1"
WS_URL = "wss://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/stage"
OUTPUTS = {
    "WebSocketUrl": WS_URL,
    "HttpApiUrl": "https://f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/",
    "DashboardUrl": "https://d111111abcdef8.cloudfront.net/",
    "OwnerKeySecretName": "viewcount-stage-owner-key",
}


def powertools_line(message: str, at: float, **extra) -> str:
    stamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S,%f")[:-3] + "+0000"
    return json.dumps({"level": "INFO", "message": message, "timestamp": stamp, **extra})


@pytest.fixture
def aws():
    with mock_aws():
        import boto3

        yield boto3.Session(region_name=REGION)


def create_stack(session, outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {name: {"Value": value} for name, value in outputs.items()},
    }
    session.client("cloudformation").create_stack(StackName="Viewcount-stage", TemplateBody=json.dumps(template))


def test_the_stack_outputs_and_the_owner_key(aws):
    create_stack(aws, OUTPUTS)
    aws.client("secretsmanager").create_secret(Name="viewcount-stage-owner-key", SecretString="K" * 40)
    deployment = AwsDeployment("stage", REGION, session=aws)

    assert deployment.outputs() == Outputs(
        WS_URL, "https://f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com", "https://d111111abcdef8.cloudfront.net/"
    )
    assert deployment.owner_key() == "K" * 40
    assert deployment.where == "the stack Viewcount-stage in eu-west-1"


def test_a_stack_without_the_outputs_or_without_a_stack(aws):
    deployment = AwsDeployment("stage", REGION, session=aws)
    with pytest.raises(DeploymentError, match=r"cannot read the stack Viewcount-stage in eu-west-1: .*does not exist"):
        deployment.outputs()

    create_stack(aws, {"WebSocketUrl": WS_URL})
    with pytest.raises(DeploymentError, match="has no output HttpApiUrl, DashboardUrl: deploy this version first"):
        AwsDeployment("stage", REGION, session=aws).outputs()
    with pytest.raises(DeploymentError, match="cannot read the owner key's secret viewcount-stage-owner-key"):
        AwsDeployment("stage", REGION, session=aws).owner_key()


def test_log_lines_are_the_functions_lines_with_that_message_since_the_start(aws):
    logs = aws.client("logs")
    now = time.time()
    # Lambda's JSON log format, wrapped around an application's line.
    wrapped = {
        "level": "INFO",
        "message": json.loads(powertools_line("smoke view accepted", now, smoke={"run": "wrapped"})),
    }
    events = {
        "/aws/lambda/viewcount-stage-views": [
            (now - 120, powertools_line("smoke view accepted", now - 120, smoke={"route": "views", "run": "earlier"})),
            (now - 1, "smoke view accepted"),  # not JSON: no line of the functions'
            (now - 1, powertools_line("view rejected", now - 1, note="smoke view accepted")),
            (now, powertools_line("smoke view accepted", now, smoke={"route": "views", "run": "this"})),
            (now, json.dumps(wrapped)),
        ],
        "/aws/lambda/viewcount-stage-count-views": [
            (now, powertools_line("smoke views counted", now, smoke={"shard_id": "shardId-1"})),
        ],
    }  # fmt: skip
    for group, lines in events.items():
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="2026/12/07/[$LATEST]abc")
        logs.put_log_events(
            logGroupName=group,
            logStreamName="2026/12/07/[$LATEST]abc",
            logEvents=[{"timestamp": int(at * 1000), "message": line} for at, line in lines],
        )
    deployment = AwsDeployment("stage", REGION, session=aws)

    found = deployment.log_lines(VIEWS, "smoke view accepted", since=now - 60)

    assert [line["smoke"]["run"] for line in found] == ["this", "wrapped"]
    assert [line["smoke"] for line in deployment.log_lines(COUNT_VIEWS, "smoke views counted", now - 60)] == [
        {"shard_id": "shardId-1"}
    ]
    assert deployment.log_lines(COUNT_VIEWS, "visitor day records without a view", now - 60) == []


def test_a_log_group_that_cannot_be_read(aws):
    with pytest.raises(DeploymentError, match="cannot read the log group /aws/lambda/viewcount-stage-views"):
        AwsDeployment("stage", REGION, session=aws).log_lines(VIEWS, "smoke view accepted", time.time())


def test_the_message_count_command_names_the_api_its_stage_and_whole_minutes():
    deployment = AwsDeployment("stage", REGION)
    start = datetime(2026, 12, 7, 10, 0, 30, tzinfo=UTC).timestamp()
    end = datetime(2026, 12, 7, 10, 2, 10, tzinfo=UTC).timestamp()

    assert deployment.message_count_command("wss://ws.blog.example.com", WS_URL, start, end) == (
        "aws cloudwatch get-metric-statistics --namespace AWS/ApiGateway --metric-name MessageCount "
        "--dimensions Name=ApiId,Value=a1b2c3d4e5 Name=Stage,Value=stage "
        "--start-time 2026-12-07T10:00:00Z --end-time 2026-12-07T10:04:00Z --period 60 --statistics Sum "
        "--region eu-west-1"
    )
    # Behind custom domains only, the command looks the API up by its name.
    custom = deployment.message_count_command("wss://ws.blog.example.com", "wss://ws.blog.example.com", start, end)
    assert (
        "Name=ApiId,Value=$(aws apigatewayv2 get-apis --region eu-west-1 "
        "--query \"Items[?Name=='viewcount-stage'].ApiId\" --output text) Name=Stage,Value=stage" in custom
    )


def test_the_local_stack_files(tmp_path):
    data_dir = tmp_path / "data"
    deployment = LocalDeployment(data_dir)
    with pytest.raises(DeploymentError, match=r"no outputs\.json in .*: is the local stack running there"):
        deployment.outputs()
    with pytest.raises(DeploymentError, match="no owner key in"):
        deployment.owner_key()

    state.write_outputs(data_dir, {"WebSocketUrl": "ws://127.0.0.1:1", "HttpApiUrl": "http://127.0.0.1:3",
                                   "DashboardUrl": "http://127.0.0.1:4/"})  # fmt: skip
    key = state.owner_key(data_dir, make=True)

    assert deployment.outputs() == Outputs("ws://127.0.0.1:1", "http://127.0.0.1:3", "http://127.0.0.1:4/")
    assert deployment.owner_key() == key
    assert deployment.message_count_command("ws://127.0.0.1:1", "ws://127.0.0.1:1", 0, 1) is None


def test_local_log_lines_span_the_rotated_file_and_start_at_the_run(tmp_path):
    folder = tmp_path / "data" / state.LOGS
    now = time.time()
    # The functions' handler on a logger of its own, fed lines as Powertools formats them.
    files = FunctionLogFiles(folder, max_bytes=400)
    files.setFormatter(logging.Formatter("%(message)s"))
    source = logging.getLogger("tests.smoke.rotation")
    source.addHandler(files)
    source.setLevel(logging.INFO)
    folder.mkdir(parents=True)
    try:
        for number, at in enumerate([now - 60, now, now + 1, now + 2]):
            source.info(powertools_line("smoke view accepted", at, function_name="viewcount-local-views", n=number))
    finally:
        source.removeHandler(files)
        files.close()

    assert (folder / "viewcount-local-views.log.1").exists()
    assert (folder / "viewcount-local-views.log").stat().st_size <= 400
    found = LocalDeployment(tmp_path / "data").log_lines(VIEWS, "smoke view accepted", since=now - 1)
    assert [line["n"] for line in found] == [1, 2, 3]
