#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth -c namespace=prod|stage|local`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "infra"), str(ROOT / "lambdas")]

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from viewcount_infra.account_stack import ApiGatewayAccountStack  # noqa: E402
from viewcount_infra.config import ConfigError, DeploymentConfig, load_dotenv  # noqa: E402
from viewcount_infra.constructs.dashboard import INDEX  # noqa: E402
from viewcount_infra.stack import DASHBOARD_FILES, ViewcountStack  # noqa: E402
from viewcount_infra.topology import FUNCTIONS, stack_name  # noqa: E402


def build_app(namespace: str | None, env: dict[str, str], dist_dir: Path = ROOT / "dist") -> cdk.App:
    config = DeploymentConfig.load(namespace, env)
    missing = [p for p in sorted({f.code for f in FUNCTIONS}) if not (dist_dir / f"{p}.zip").exists()]
    if missing:
        raise ConfigError(f"missing packages in {dist_dir}: {', '.join(missing)}; run ./build_packages.sh")
    # The dashboard's files are deployed as they are: a stack without them would serve a broken page.
    if not (dist_dir / DASHBOARD_FILES / INDEX).is_file():
        raise ConfigError(f"no dashboard in {dist_dir / DASHBOARD_FILES}; run node dashboard/build.mjs")
    app = cdk.App(context={"namespace": config.namespace})
    ViewcountStack(app, stack_name(config.namespace), config=config, dist_dir=dist_dir)
    if config.api_gateway_logging_role == "stack":
        # Shared by every namespace of the account; ./deploy.sh deploys it when it is missing.
        ApiGatewayAccountStack(app)
    # cdk-nag 3 is a validation plugin: any unacknowledged finding fails the synth.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def main() -> int:
    env = dict(os.environ)
    load_dotenv(ROOT / ".env", env)
    probe = cdk.App()
    try:
        app = build_app(probe.node.try_get_context("namespace"), env)
    except ConfigError as error:
        print(f"viewcount: {error}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
