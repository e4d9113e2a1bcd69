"""What API Gateway keeps once per account and region: the CloudWatch role it writes access logs with.

`AWS::ApiGateway::Account` is one setting per account and region, not per API. In a
namespace's stack, destroying stage would delete the role that prod's access logs use. So
it lives in this stack of its own, which every namespace in the account shares and
`./deploy.sh` deploys once, when it is missing (tools/account_stack.py decides).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from constructs import Construct

from viewcount_infra.nag import acknowledge

# One per account and region, whatever the namespace: its name carries none.
ACCOUNT_STACK_NAME = "Viewcount-ApiGatewayAccount"
LOGGING_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


class ApiGatewayAccountStack(Stack):
    def __init__(self, scope: Construct, construct_id: str = ACCOUNT_STACK_NAME, **kwargs) -> None:
        # Every namespace's access logs depend on it: it is not destroyed by accident.
        super().__init__(scope, construct_id, termination_protection=True, **kwargs)
        role = iam.Role(
            self,
            "CloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(LOGGING_POLICY)],
        )
        # Kept if the stack goes anyway: the account's setting would still point at it.
        role.apply_removal_policy(RemovalPolicy.RETAIN)
        apigw.CfnAccount(self, "Account", cloud_watch_role_arn=role.role_arn)
        acknowledge(
            self,
            f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{LOGGING_POLICY}]",
            (
                "The account-level role API Gateway uses to write access logs; AWS documents this managed "
                "policy for it and it grants only log writes."
            ),
        )
        CfnOutput(self, "CloudWatchRoleArn", value=role.role_arn, description="API Gateway's account-wide logging role")
