"""`python -m smoke` (see ./smoke.sh): a smoke test of a deployment, or of the local stack."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from urllib.parse import urlsplit

from smoke.deployments import AwsDeployment, Deployment, DeploymentError, LocalDeployment
from smoke.suite import CHECKS, FAIL, LATER, OK, SMOKE_PAGE, Suite, UsageError
from viewcount.origins import normalise_origin
from viewcount_infra.config import NAMESPACES

PROG = "smoke.sh"
USAGE = 2  # exit status of bad arguments, as argparse uses
DEFAULT_TIMEOUT_SECONDS = 30.0  # deployed queues batch for up to 5 s, the stream for 1 s more


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(USAGE, f"{self.prog}: {message}\n")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = Parser(
        prog=PROG,
        description="Check a deployment of Viewcount end to end, as a blog's readers and its owner use it. "
        f"Its views are of {SMOKE_PAGE}, which no configured site's numbers include.",
        epilog="Checks: " + "; ".join(f"{name}: {what}" for name, what in CHECKS.items()),
    )
    parser.add_argument("--endpoint", required=True, help="the WebSocket API's URL (ws:// or wss://)")
    parser.add_argument("--origin", required=True, help="an origin the deployment admits (a blog's)")
    parser.add_argument("--namespace", required=True, choices=NAMESPACES, help="the deployment's namespace")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="the local stack's data directory: read its outputs, owner key and function logs there instead of AWS",
    )
    parser.add_argument("--region", help="the deployment's region (default: the AWS environment's)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help=f"seconds to wait for each push or count (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    parser.add_argument("--site", help="the configured site whose dashboard is tested (default: the site of --origin)")
    args = parser.parse_args(argv)
    endpoint = urlsplit(args.endpoint)
    if endpoint.scheme not in ("ws", "wss") or not endpoint.hostname:
        parser.error(f"--endpoint {args.endpoint}: expected a ws:// or wss:// URL")
    if normalise_origin(args.origin) is None or urlsplit(args.origin).scheme not in ("http", "https"):
        parser.error(f"--origin {args.origin}: expected an origin, https://host[:port]")
    if not args.timeout > 0:
        parser.error(f"--timeout {args.timeout:g}: expected a number of seconds above 0")
    if args.data_dir is not None:
        if not args.data_dir.is_dir():
            parser.error(f"--data-dir {args.data_dir}: not a folder")
        if args.namespace != "local":
            parser.error(f"--namespace {args.namespace}: the local stack's (--data-dir) is local")
    return args


def deployment_of(args: argparse.Namespace) -> Deployment:
    if args.data_dir is not None:
        return LocalDeployment(args.data_dir, log_delay_seconds=min(args.timeout, 10.0))
    import boto3

    region = args.region or boto3.Session().region_name
    if not region:
        raise UsageError("--region: the AWS environment names no region (AWS_REGION or the profile's); give --region")
    return AwsDeployment(args.namespace, region)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        deployment = deployment_of(args)
        print(f"Smoke test of {deployment.where}", flush=True)
        outputs = deployment.outputs()
        owner_key = deployment.owner_key()
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return USAGE
    except DeploymentError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    if args.endpoint.rstrip("/") == outputs.websocket_url.rstrip("/"):
        print(f"  endpoint: {args.endpoint} (its WebSocketUrl)", flush=True)
    else:
        print(f"  endpoint: {args.endpoint} (used; its WebSocketUrl is {outputs.websocket_url})", flush=True)
    origin = normalise_origin(args.origin) or args.origin  # as a browser sends it
    print(f"  origin:   {origin}", flush=True)
    print(f"  HTTP API: {outputs.http_api_url}; dashboard: {outputs.dashboard_url}", flush=True)
    print(f"  page:     {SMOKE_PAGE} (counted apart from every configured site)", flush=True)
    suite = Suite(
        deployment,
        outputs,
        owner_key,
        endpoint=args.endpoint,
        origin=origin,
        site=args.site,
        timeout=args.timeout,
    )
    try:
        results = asyncio.run(suite.run())
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return USAGE
    tally = {status: sum(1 for result in results if result.status == status) for status in (OK, FAIL, LATER)}
    print(f"Done: {tally[OK]} ok, {tally[FAIL]} failed, {tally[LATER]} to confirm later.", flush=True)
    return 0 if suite.passed else 1


if __name__ == "__main__":
    sys.exit(main())
