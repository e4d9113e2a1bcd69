"""`python -m admin` (see ./admin.sh): operator commands on a deployed namespace or the local stack's data."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

from admin.commands import MAX_DAYS, USAGE, bot_counts, format_bot_counts, rename_title
from admin.stores import AdminError, CountsStore, DynamoCountsStore, SnapshotCountsStore
from viewcount.wire import MAX_TITLE
from viewcount_infra.config import NAMESPACES, ConfigError, DeploymentConfig, load_dotenv
from viewcount_infra.topology import COUNTS

ROOT = Path(__file__).resolve().parent.parent
PROG = "admin.sh"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description="Operator commands for Viewcount's counts.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rename = commands.add_parser(
        "rename-title",
        help="rename an article (its first counted view named it; later views cannot)",
        description="Set the title of an article that has been counted. An unknown article is not created.",
    )
    rename.add_argument("article_id", metavar="ARTICLE_ID", help="the id the blog sends as articleId")
    rename.add_argument("title", metavar="TITLE", help=f"the new title, 1 to {MAX_TITLE} characters")
    add_target(rename)

    bots = commands.add_parser(
        "bot-counts",
        help="bot views filtered per UTC day and reason",
        description="Print the bot views filtered per UTC day and reason, newest day first.",
    )
    bots.add_argument(
        "--days", type=int, default=7, help=f"the last N UTC days, today included (default 7, at most {MAX_DAYS})"
    )
    bots.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_target(bots)
    return parser.parse_args(argv)


def add_target(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--namespace",
        choices=NAMESPACES,
        help="a deployed namespace: its table in AWS (region and credentials from the AWS environment)",
    )
    target.add_argument(
        "--data-dir", type=Path, help="the local stack's --data-dir (./run_local.sh's default: .viewcount-local)"
    )


def open_store(args: argparse.Namespace, env: Mapping[str, str]) -> CountsStore:
    if args.data_dir is not None:
        return SnapshotCountsStore(args.data_dir)
    try:
        config = DeploymentConfig.load(args.namespace, env)
    except ConfigError as error:
        raise AdminError(str(error), USAGE) from None
    import boto3

    return DynamoCountsStore(boto3.client("dynamodb"), COUNTS.physical_name(config))


def run(args: argparse.Namespace, store: CountsStore, today: date) -> None:
    if args.command == "rename-title":
        renamed = rename_title(store, args.article_id, args.title)
        was = f"was {renamed.previous!r}" if renamed.previous is not None else "it had no title"
        print(f"Renamed {renamed.page_key} in {store.name} to {renamed.title!r} ({was}).")
        return
    if isinstance(store, SnapshotCountsStore) and (note := store.running_stack_note()):
        print(f"{PROG}: {note}", file=sys.stderr)
    counts = bot_counts(store, args.days, today)
    print(json.dumps(counts.as_json(), indent=2) if args.json else format_bot_counts(counts))


def main(argv: list[str] | None = None, *, env: Mapping[str, str] | None = None, today: date | None = None) -> int:
    """`env` and `today` are for tests; by default the process environment plus `.env`, as the CDK app reads them."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if env is None:
        loaded = dict(os.environ)
        load_dotenv(ROOT / ".env", loaded)
        env = loaded
    from botocore.exceptions import BotoCoreError, ClientError

    store: CountsStore | None = None
    try:
        store = open_store(args, env)
        run(args, store, today or datetime.now(UTC).date())
    except AdminError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return error.status
    except ClientError as error:
        where = describe_table(store)
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            print(f"{PROG}: {where} does not exist: is {args.namespace} deployed there?", file=sys.stderr)
        else:
            print(f"{PROG}: AWS refused ({where}): {error}", file=sys.stderr)
        return 1
    except BotoCoreError as error:
        print(f"{PROG}: cannot reach AWS: {error}", file=sys.stderr)
        return 1
    return 0


def describe_table(store: CountsStore | None) -> str:
    if isinstance(store, DynamoCountsStore):
        return f"table {store.name} in {store.client.meta.region_name}"
    return "the counts table"


if __name__ == "__main__":
    sys.exit(main())
