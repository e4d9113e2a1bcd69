"""The dashboard's owner key: a secret CloudFormation generates, so that no one (and no
template, no `cdk.out/`) ever holds its value; only the functions whose spec reads it may."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.nag import acknowledge
from viewcount_infra.topology import owner_key_secret_name

# Letters and digits only: the key is typed or pasted into a form and sent in a header.
# 40 of 62 symbols is about 238 bits, far beyond guessing at the API's throttled rate.
KEY_LENGTH = 40


class OwnerKey(Construct):
    def __init__(self, scope: Construct, construct_id: str, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        # Secrets Manager rather than an SSM SecureString: CloudFormation cannot create a
        # SecureString, so its value would have to pass through the template or a custom resource.
        # Encrypted with the account's AWS-managed key (aws/secretsmanager): no KMS key to pay for.
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=owner_key_secret_name(config),
            description="The Viewcount dashboard's owner key (40 letters and digits)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=KEY_LENGTH,
                exclude_punctuation=True,
                include_space=False,
                require_each_included_type=False,
            ),
            # A production key outlives the stack, as its data does: a redeploy keeps the owner's
            # saved sign-in working.
            removal_policy=RemovalPolicy.RETAIN if config.is_production else RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            (
                "The owner key is typed into the dashboard and remembered by the browser; automatic "
                "rotation would sign every open dashboard out on a schedule. The operator rotates it "
                "by hand with `aws secretsmanager put-secret-value` (docs/deploying-the-dashboard.md) "
                "when it may have leaked; the API takes the new key within 5 minutes."
            ),
        )
