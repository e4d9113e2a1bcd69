"""cdk-nag findings that are acknowledged, each with the reason it is right here.

Every other AwsSolutions rule must pass: a new finding fails `cdk synth` and the tests.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """A cdk-nag finding on `scope` (and what it holds) that is right here, for that reason."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_findings(stack: Stack) -> None:
    stage = stack.node.try_get_context("namespace") or "*"
    acknowledged = {
        "AwsSolutions-APIG4": (
            "A public page-view counter: any reader of the blog must be able to connect. WebSocket APIs "
            "accept an authorizer on $connect only; there the Origin allow-list decides, and every other "
            "route validates its frames and is throttled by the stage. The HTTP API's POST /views and GET "
            "/counts are the same public routes for pages whose WebSocket is blocked: a beacon cannot send "
            "credentials, so their handlers check the Origin allow-list, bots, the body and a per-sender "
            "rate limit, and the stage is throttled."
        ),
        "AwsSolutions-IAM5[Resource::*]": (
            "dynamodb:ListStreams, added by the DynamoDB event source mapping, has no resource-level "
            "permissions; every other action is scoped to named tables."
        ),
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:"
        f"<WebSocketApi273F6915>/{stage}/*/@connections/*]": (
            "Management API ARNs end in the connection id, which exists only at run time; the grant is "
            "limited to this API's own stage."
        ),
        "AwsSolutions-SQS3": (
            "The push-failures queue is the stream event source's on-failure destination, itself a "
            "dead-letter queue; a queue behind it would add nothing."
        ),
    }
    for finding, reason in acknowledged.items():
        acknowledge(stack, finding, reason)
