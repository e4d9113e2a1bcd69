"""`python -m admin` (see ./admin.sh): operator commands on a deployed namespace or the local stack's data."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from pathlib import Path

from admin import busuanzi
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
from viewcount.sites import Site
from viewcount.wire import MAX_TITLE
from viewcount_infra.config import NAMESPACES, ConfigError, DeploymentConfig, load_dotenv

ROOT = Path(__file__).resolve().parent.parent
PROG = "admin.sh"
# Commands that change the tables: on a local stack's snapshot they are refused while it runs.
WRITING_COMMANDS = {"rename-title", "migrate", "merge-page", "delete-page", "import-busuanzi", "import-counts-csv"}
BUSUANZI_COUNTS_TOO = (
    "busuanzi's only endpoint also counts: each request of the import adds one page view (and possibly one "
    "site visitor) to busuanzi's own numbers, and the numbers read include it."
)


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

    from_busuanzi = commands.add_parser(
        "import-busuanzi",
        help="seed a site's counts from busuanzi's, for each page of its sitemap",
        description="Ask busuanzi, as its own script does, for each page of the blog's sitemap (or list of URLs), "
        "then set its numbers as the site's import source 'busuanzi': each page's page_pv as the page's imported "
        "views, site_pv as the site's imported views, and site_uv (busuanzi's lifetime count of visitor cookies) as "
        "the site's imported unique total. A page's imported unique views are 0 (busuanzi counts none per page) unless "
        "an answer carries a page_uv. "
        "A second run replaces the first's numbers. URLs that are no page of the site are skipped and listed. "
        + BUSUANZI_COUNTS_TOO,
        epilog="docs/busuanzi-import.md has the details.",
    )
    urls = from_busuanzi.add_mutually_exclusive_group(required=True)
    urls.add_argument("--sitemap", metavar="FILE_OR_URL", help="the blog's sitemap.xml (or sitemap index)")
    urls.add_argument("--urls", metavar="FILE", type=Path, help="a file of the blog's URLs, one a line")
    from_busuanzi.add_argument(
        "--dry-run", action="store_true", help="ask busuanzi and say what would change; write nothing"
    )
    from_busuanzi.add_argument(
        "--concurrency",
        type=int,
        default=busuanzi.DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"at most N requests open at once (default {busuanzi.DEFAULT_CONCURRENCY}, "
        f"at most {busuanzi.MAX_CONCURRENCY})",
    )
    from_busuanzi.add_argument(
        "--pause",
        type=float,
        default=busuanzi.DEFAULT_PAUSE_SECONDS,
        metavar="SECONDS",
        help=f"requests start at least this far apart (default {busuanzi.DEFAULT_PAUSE_SECONDS})",
    )
    from_busuanzi.add_argument(
        "--timeout",
        type=float,
        default=busuanzi.DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"give up on a request after this long (default {busuanzi.DEFAULT_TIMEOUT_SECONDS:g})",
    )
    from_busuanzi.add_argument(
        "--service",
        metavar="URL",
        default=busuanzi.DEFAULT_SERVICE,
        help=f"busuanzi's endpoint (default {busuanzi.DEFAULT_SERVICE})",
    )
    add_target(from_busuanzi)

    from_csv = commands.add_parser(
        "import-counts-csv",
        help="seed a site's counts from a CSV of url,page_pv and the site's numbers",
        description="Set a CSV's numbers (url,page_pv; the header row is optional) as each page's imported views, "
        "and --site-pv and --site-uv as the site's imported views and unique total, under an import source "
        "(default 'busuanzi': the same numbers import-busuanzi sets). Rows of one page add up. A second run "
        "replaces the first's numbers. A bad row stops the import before anything is written.",
        epilog="docs/busuanzi-import.md has the details.",
    )
    from_csv.add_argument("csv_file", metavar="FILE", type=Path, help="the CSV: url,page_pv")
    from_csv.add_argument("--site-pv", type=int, required=True, metavar="N", help="the site's views")
    from_csv.add_argument(
        "--site-uv", type=int, required=True, metavar="N", help="the site's unique total (busuanzi: its site_uv)"
    )
    from_csv.add_argument("--source", default=busuanzi.SOURCE, help=f"the import source (default {busuanzi.SOURCE})")
    from_csv.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    add_target(from_csv)
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
    if args.command == "import-busuanzi":
        print(run_import_busuanzi(args, tables, site))
        return
    if args.command == "import-counts-csv":
        rows = busuanzi.read_counts_csv(args.csv_file)
        source = busuanzi.check_source(args.source)
        report = busuanzi.import_csv(tables, site, rows, args.site_pv, args.site_uv, source, dry_run=args.dry_run)
        print(report.describe(args.dry_run))
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


def run_import_busuanzi(args: argparse.Namespace, tables: Tables, site: Site) -> str:
    from tqdm import tqdm

    asker = busuanzi.Busuanzi(args.service, concurrency=args.concurrency, pause=args.pause, timeout=args.timeout)
    if args.sitemap:
        urls = busuanzi.read_sitemap(args.sitemap, lambda url: busuanzi.fetch_document(url, timeout=args.timeout))
        where = args.sitemap
    else:
        urls = busuanzi.read_url_list(args.urls)
        where = str(args.urls)
    if not urls:
        raise AdminError(f"{where} lists no URL", USAGE)
    print(f"{PROG}: {len(urls)} URLs in {where}; {BUSUANZI_COUNTS_TOO}", file=sys.stderr)
    with ExitStack() as bar_closed:

        def progress(total: int) -> Callable[[], None]:
            bar = bar_closed.enter_context(tqdm(total=total, desc="asking busuanzi", unit=" pages", file=sys.stderr))
            return lambda: bar.update(1)

        report = busuanzi.import_busuanzi(tables, site, urls, asker, dry_run=args.dry_run, progress=progress)
    return report.describe(args.dry_run)


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
