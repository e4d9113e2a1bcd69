"""API Gateway's account-wide logging role lives in one shared stack, not in any namespace's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from tests.conftest import ROOT
from tools.account_stack import skip_reason
from viewcount_infra.account_stack import ACCOUNT_STACK_NAME
from viewcount_infra.config import DeploymentConfig

NAMESPACES = ("prod", "stage", "local")


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_no_namespace_stack_sets_the_account(synth, namespace):
    template = synth(namespace)

    assert template.resources("AWS::ApiGateway::Account") == {}
    assert "AmazonAPIGatewayPushToCloudWatchLogs" not in json.dumps(template.resources("AWS::IAM::Role"))


def test_the_account_stack_sets_the_role_once_and_is_the_same_for_every_namespace(synth):
    templates = [synth(namespace, ACCOUNT_STACK_NAME).template for namespace in NAMESPACES]

    assert templates[0] == templates[1] == templates[2]
    account = synth("stage", ACCOUNT_STACK_NAME)
    [setting] = account.resources("AWS::ApiGateway::Account").values()
    [(role_id, role)] = account.resources("AWS::IAM::Role").items()
    assert setting["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert role["DeletionPolicy"] == "Retain"
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(role["Properties"]["ManagedPolicyArns"])


def test_the_account_stack_is_nag_and_cfn_lint_clean(synth):
    account = synth("prod", ACCOUNT_STACK_NAME)  # nag runs in the synth

    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", str(account.path)],
        capture_output=True,
        text=True,
    )
    assert [line for line in lint.stdout.splitlines() if ":E" in line] == []


def test_an_external_logging_role_leaves_the_account_stack_out(dist_dir):
    from app import build_app

    app = build_app(
        "stage", {"STAGE_CLIENT_URL": "https://stage.example.com", "API_GATEWAY_LOGGING_ROLE": "external"}, dist_dir
    )

    assert [stack.stack_name for stack in app.synth().stacks] == ["Viewcount-stage"]


def cloudformation_answering(method_answer):
    client = boto3.client("cloudformation", region_name="us-east-1")
    stub = Stubber(client)
    kind, value = method_answer
    if kind == "error":
        stub.add_client_error(
            "describe_stacks", "ValidationError", value, expected_params={"StackName": ACCOUNT_STACK_NAME}
        )
    else:
        stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {"StackName": ACCOUNT_STACK_NAME, "CreationTime": "2026-12-01T00:00:00Z", "StackStatus": value}
                ]
            },
            {"StackName": ACCOUNT_STACK_NAME},
        )
    stub.activate()
    return client


CONFIG = DeploymentConfig.load("stage", {"STAGE_CLIENT_URL": "https://stage.example.com"})


@pytest.mark.parametrize(
    ("answer", "deploy"),
    [
        (("error", f"Stack with id {ACCOUNT_STACK_NAME} does not exist"), True),
        (("status", "ROLLBACK_COMPLETE"), True),
        (("status", "CREATE_COMPLETE"), False),
        (("status", "UPDATE_COMPLETE"), False),
    ],
)
def test_deploy_sh_deploys_the_account_stack_when_it_is_missing_or_failed(answer, deploy):
    assert (skip_reason(cloudformation_answering(answer), CONFIG) is None) is deploy


def test_an_external_role_is_never_deployed_over():
    external = DeploymentConfig.load(
        "stage", {"STAGE_CLIENT_URL": "https://stage.example.com", "API_GATEWAY_LOGGING_ROLE": "external"}
    )

    assert "external" in skip_reason(boto3.client("cloudformation", region_name="us-east-1"), external)


def test_deploy_sh_sets_the_account_up_before_the_namespace():
    script = (ROOT / "deploy.sh").read_text()

    assert script.index("tools/account_stack.py") < script.index('npx cdk deploy "Viewcount-$namespace"')
    assert f"npx cdk deploy {ACCOUNT_STACK_NAME}" in script
