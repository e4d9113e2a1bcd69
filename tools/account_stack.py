"""Should `./deploy.sh` deploy the shared Viewcount-ApiGatewayAccount stack first?

It holds API Gateway's CloudWatch role, one setting per account and region that every
namespace's access logs use (infra/viewcount_infra/account_stack.py). Prints `deploy`
when the stack is missing (or failed), else `skip: <why>`.

    .venv/bin/python tools/account_stack.py NAMESPACE

Exits 2 on a bad setting and 1 when AWS cannot be asked, with a message.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "infra"), str(ROOT / "lambdas")]

from viewcount_infra.account_stack import ACCOUNT_STACK_NAME  # noqa: E402
from viewcount_infra.config import ConfigError, DeploymentConfig, load_dotenv  # noqa: E402

# A stack in one of these states sets the account's role; any other is deployed (again).
SETTLED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"}


def skip_reason(cloudformation: Any, config: DeploymentConfig) -> str | None:
    """Why the account stack need not be deployed, or None when it must be."""
    if config.api_gateway_logging_role == "external":
        return "API_GATEWAY_LOGGING_ROLE=external: the account's API Gateway CloudWatch role is set elsewhere"
    try:
        [stack] = cloudformation.describe_stacks(StackName=ACCOUNT_STACK_NAME)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" in error.response["Error"].get("Message", ""):
            return None
        raise
    if stack["StackStatus"] not in SETTLED:
        return None
    return f"{ACCOUNT_STACK_NAME} is deployed ({stack['StackStatus']})"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: account_stack.py NAMESPACE", file=sys.stderr)
        return 2
    env = dict(os.environ)
    load_dotenv(ROOT / ".env", env)
    try:
        config = DeploymentConfig.load(argv[1], env)
    except ConfigError as error:
        print(f"viewcount: {error}", file=sys.stderr)
        return 2
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        reason = skip_reason(boto3.client("cloudformation"), config)
    except (BotoCoreError, ClientError) as error:
        print(f"viewcount: cannot look up {ACCOUNT_STACK_NAME}: {error}", file=sys.stderr)
        return 1
    print("deploy" if reason is None else f"skip: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
