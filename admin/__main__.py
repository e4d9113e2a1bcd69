"""`python -m admin` (see ./admin.sh): operator commands on a deployed namespace or the local stack's data."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from admin.commands import (
    MAX_DAYS,
    bot_counts,
    format_bot_counts,
    format_history,
    history,
    page_named,
    rename_title,
)
from admin.migrate import migrate
from admin.pages import delete_page, merge_page
from admin.targets import USAGE, AdminError, Tables, deployed_tables, running_stack_note, snapshot_tables
from viewcount.wire import MAX_TITLE
from viewcount_infra.config import NAMESPACES, ConfigError, DeploymentConfig, load_dotenv

ROOT = Path(__file__).resolve().parent.parent
PROG = "admin.sh"
# Commands that change the tables: on a local stack's snapshot they are refused while it runs.
WRITING_COMMANDS = {"rename-title", "migrate", "merge-page", "delete-page"}


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
        help="bot views filtered per day and reason",
        description="Print the bot views filtered per day (the site's) and reason, newest day first.",
    )
    bots.add_argument(
        "--days", type=int, default=7, help=f"the last N days, today included (default 7, at most {MAX_DAYS})"
    )
    bots.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_target(bots)

    days = commands.add_parser(
        "history",
        help="views per day, top pages, referrers, campaigns and bots over a range of days",
        description="Print a site's (or one page's) history over a range of its days (in its time zone): "
        "totals, one line per day, the top pages, referrers and campaigns, and the bots filtered. "
        "Unique visitors over a range are visitor-days: each day's visitors, summed.",
    )
    days.add_argument("--from", dest="first", type=day_argument, help="the first day, YYYY-MM-DD")
    days.add_argument("--to", dest="last", type=day_argument, help="the last day, YYYY-MM-DD (default: today)")
    days.add_argument("--days", type=int, default=30, help="without --from: the last N days (default 30)")
    days.add_argument("--page", help="one page: its path (/tags/x/) or its key (post#hello-world)")
    days.add_argument("--top", type=int, default=10, help="how many pages, referrers and campaigns (default 10)")
    days.add_argument("--json", action="store_true", help="print JSON instead of tables")
    add_target(days)

    migrate = commands.add_parser(
        "migrate",
        help="copy the counts of the layout before sites into a site",
        description="Copy page, article and site totals, titles, referrers, campaigns and bot tallies "
        "from the layout before sites into the site's counters, as the import source 'migrated'. "
        "Idempotent: a second run replaces what the first copied, and a stopped run can be run again.",
    )
    migrate.add_argument("--dry-run", action="store_true", help="say what would be copied; write nothing")
    add_target(migrate)

    merge = commands.add_parser(
        "merge-page",
        help="move a page's counts and history into another page (after a permalink change)",
        description="Move FROM's counted views, referrers, campaigns, imports and each day of its history "
        "into TO, and remove FROM. The site's totals do not change. A page is a path (/2026/01/old/) or a key "
        "(post#old).",
    )
    merge.add_argument("source", metavar="FROM", help="the page to move")
    merge.add_argument("target", metavar="TO", help="the page it joins")
    merge.add_argument("--dry-run", action="store_true", help="say what would move; write nothing")
    add_target(merge)

    delete = commands.add_parser(
        "delete-page",
        help="remove a page's counts and history, and take its views out of the site's totals",
        description="Remove PAGE's counter and its days of history (a junk path, say), and take its counted "
        "views out of the site's totals and days. The site's visitors stay. A page is a path or a key.",
    )
    delete.add_argument("page", metavar="PAGE", help="the page to remove")
    delete.add_argument("--dry-run", action="store_true", help="say what would go; write nothing")
    add_target(delete)
    return parser.parse_args(argv)


def day_argument(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from None


def add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", help="the site (its id in SITES); needed only where there are several")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--namespace",
        choices=NAMESPACES,
        help="a deployed namespace: its tables in AWS (region and credentials from the AWS environment)",
    )
    target.add_argument(
        "--data-dir", type=Path, help="the local stack's --data-dir (./run_local.sh's default: .viewcount-local)"
    )


@contextmanager
def open_tables(args: argparse.Namespace, env: Mapping[str, str]) -> Iterator[Tables]:
    try:
        config = DeploymentConfig.load(args.namespace or "local", env)
    except ConfigError as error:
        raise AdminError(str(error), USAGE) from None
    if args.data_dir is None:
        yield deployed_tables(config)
        return
    if not writes(args) and (note := running_stack_note(args.data_dir)):
        print(f"{PROG}: {note}", file=sys.stderr)
    with snapshot_tables(args.data_dir, config, writes=writes(args)) as tables:
        yield tables


def writes(args: argparse.Namespace) -> bool:
    return args.command in WRITING_COMMANDS and not getattr(args, "dry_run", False)


def run(args: argparse.Namespace, tables: Tables, today: date | None) -> None:
    site = tables.site(args.site)
    if args.command == "rename-title":
        renamed = rename_title(tables, site, args.article_id, args.title)
        was = f"was {renamed.previous!r}" if renamed.previous is not None else "it had no title"
        print(f"Renamed {renamed.page_key} in {tables.where} to {renamed.title!r} ({was}).")
        return
    if args.command == "migrate":
        from tqdm import tqdm

        with tqdm(desc="reading the counts", unit=" items", file=sys.stderr) as bar:
            migration = migrate(tables, site, dry_run=args.dry_run, progress=bar.update)
        print(migration.describe(site, args.dry_run))
        return
    today = today or date.fromisoformat(site.day_of(time.time()))
    if args.command == "merge-page":
        source, target = page_named(site, args.source), page_named(site, args.target)
        edit = merge_page(tables, site, source, target, dry_run=args.dry_run, today=today)
        print(edit.describe(f"move {source} into {target} on {site.id}", args.dry_run))
        return
    if args.command == "delete-page":
        page = page_named(site, args.page)
        edit = delete_page(tables, site, page, dry_run=args.dry_run, today=today)
        print(edit.describe(f"remove {page} from {site.id}", args.dry_run))
        return
    if args.command == "history":
        if args.days < 1 or args.top < 1:
            raise AdminError("--days and --top must be at least 1", USAGE)
        last = args.last or today.isoformat()
        first = args.first or (date.fromisoformat(last) - timedelta(days=args.days - 1)).isoformat()
        report = history(tables, site, first, last, args.page, args.top)
        print(json.dumps(report.as_json(), indent=2) if args.json else format_history(report))
        return
    counts = bot_counts(tables, site, args.days, today)
    print(json.dumps(counts.as_json(), indent=2) if args.json else format_bot_counts(counts))


def main(argv: list[str] | None = None, *, env: Mapping[str, str] | None = None, today: date | None = None) -> int:
    """`env` and `today` are for tests; by default the process environment plus `.env`, as the CDK app reads them."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if env is None:
        loaded = dict(os.environ)
        load_dotenv(ROOT / ".env", loaded)
        env = loaded
    from botocore.exceptions import BotoCoreError, ClientError

    where = f"the tables of {args.namespace}"
    try:
        with open_tables(args, env) as tables:
            where = tables.where
            run(args, tables, today)
    except AdminError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return error.status
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            print(f"{PROG}: a table of {where} does not exist: is {args.namespace} deployed there?", file=sys.stderr)
        else:
            print(f"{PROG}: AWS refused ({where}): {error}", file=sys.stderr)
        return 1
    except BotoCoreError as error:
        print(f"{PROG}: cannot reach AWS: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
