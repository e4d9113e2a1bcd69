"""`python -m admin` (see ./admin.sh): operator commands on a deployed namespace or the local stack's data."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from admin import busuanzi, dashboard, exports, imports
from admin.commands import (
    MAX_DAYS,
    bot_counts,
    format_bot_counts,
    format_history,
    format_stats,
    history,
    page_named,
    rename_title,
    stats,
)
from admin.migrate import migrate
from admin.pages import delete_page, merge_page
from admin.targets import USAGE, AdminError, Tables, deployed_tables, running_stack_note, snapshot_tables
from viewcount.sites import Site, shift_day
from viewcount.tables.history import oldest_kept_day
from viewcount.wire import MAX_TITLE
from viewcount_infra.config import NAMESPACES, ConfigError, DeploymentConfig, load_dotenv

ROOT = Path(__file__).resolve().parent.parent
PROG = "admin.sh"
# Commands that change the tables: on a local stack's snapshot they are refused while it runs.
WRITING_COMMANDS = {
    "rename-title", "migrate", "merge-page", "delete-page", "import-busuanzi", "import-counts-csv", "import",
    "share-link",
}  # fmt: skip
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
    add_range_arguments(days)
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

    add_stats(commands)
    add_export(commands)
    add_import(commands)
    add_dashboard(commands)
    args = parser.parse_args(argv)
    if args.command == "share-link" and args.action == "revoke" and not args.link:
        parser.error("share-link revoke needs the link's id (share-link list shows it) or its token")
    return args


def add_dashboard(commands: Any) -> None:
    parser = commands.add_parser(
        "dashboard-url",
        help="how to open the dashboard: its address and the owner key",
        description="Print the dashboard's address and the owner key to paste into its sign-in form. The key is "
        "never put into the URL, so that no log or browser history holds it. Deployed: the stack's DashboardUrl "
        "output and the owner key's secret (cloudformation:DescribeStacks, secretsmanager:GetSecretValue).",
        epilog="docs/dashboard.md has the details.",
    )
    add_target(parser)
    parser = commands.add_parser(
        "share-link",
        help="create, list or revoke a read-only link to one site's dashboard",
        description="create: print a new link that shows the site's stats read-only (the token is shown once; only "
        "its hash is kept). list: the site's links, by id. revoke ID|TOKEN: the link is refused from its next "
        "request on.",
        epilog="docs/dashboard.md has the details.",
    )
    parser.add_argument("action", choices=("create", "list", "revoke"))
    parser.add_argument("link", nargs="?", metavar="ID|TOKEN", help="revoke: the link's id or token")
    parser.add_argument("--label", default="", help="create: a note to tell the link apart (at most 100 characters)")
    add_target(parser)


def add_range_arguments(parser: argparse.ArgumentParser) -> None:
    """What `history` and `stats` read: a range of the site's days, a page, how many rows, JSON."""
    parser.add_argument("--from", dest="first", type=day_argument, help="the first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", type=day_argument, help="the last day, YYYY-MM-DD (default: today)")
    parser.add_argument("--days", type=int, default=30, help="without --from: the last N days (default 30)")
    parser.add_argument("--page", help="one page: its path (/tags/x/) or its key (post#hello-world)")
    parser.add_argument("--top", type=int, default=10, help="how many pages, referrers and campaigns (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def day_range(args: argparse.Namespace, today: date) -> tuple[str, str]:
    """`--from` to `--to`, or the last `--days` days up to `--to` (today by default)."""
    for option, value in (("--days", args.days), ("--top", args.top)):
        if value < 1:
            raise AdminError(f"{option} must be at least 1", USAGE)
    last = args.last or today.isoformat()
    return args.first or shift_day(last, 1 - args.days), last


def add_stats(commands: Any) -> None:
    parser = commands.add_parser(
        "stats",
        help="totals with their change against the previous period, top pages, referrers, campaigns and bots",
        description="Print a site's (or one page's) totals over a range of its days (views, visitor-days, bot "
        "views), each with its change against the period of the same length just before, and the top pages, "
        "referrers, campaigns and bots of the range. --json prints what GET /dashboard/stats answers.",
    )
    add_range_arguments(parser)
    parser.add_argument("--source", help="only the views from referrer:<host> or utm_source:<value> (utm_medium:, ...)")
    add_target(parser)


def add_export(commands: Any) -> None:
    parser = commands.add_parser(
        "export",
        help="write a site's days to CSV files and to one JSON file that import takes back",
        description="Write DIR/pages.csv, referrers.csv and campaigns.csv (one row per page and day) and "
        "DIR/viewcount-export.json (every day per page and of the site, lifetime totals, titles and bot days), "
        "which ./admin.sh import --format viewcount takes back. Default: every day the history keeps.",
        epilog="docs/export-import.md has the details.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write into")
    parser.add_argument("--from", dest="first", type=day_argument, help="the first day (default: 800 days before --to)")
    parser.add_argument("--to", dest="last", type=day_argument, help="the last day (default: today)")
    add_target(parser)


def add_import(commands: Any) -> None:
    parser = commands.add_parser(
        "import",
        help="import a site's days from Viewcount's export, Plausible's or GoatCounter's",
        description="Import a file's pages and days as one import source of the site, named after the file's "
        "hash: importing the same file again adds nothing, and a stopped import can be run again. The whole file "
        "is checked first (every bad row is reported by its line, and nothing is written). A day that already has "
        "numbers from another import of the same format (for viewcount, any numbers) refuses the import unless "
        "--add-overlap.",
        epilog="docs/export-import.md has the details.",
    )
    parser.add_argument(
        "file", metavar="FILE", type=Path, help="viewcount-export.json, Plausible's zip, GoatCounter's CSV"
    )
    parser.add_argument("--format", required=True, choices=imports.FORMATS, help="the file's format")
    parser.add_argument("--dry-run", action="store_true", help="check the file, say what would change; write nothing")
    parser.add_argument("--add-overlap", action="store_true", help="add to days that already have such numbers")
    add_target(parser)


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


def load_config(namespace: str, env: Mapping[str, str]) -> DeploymentConfig:
    try:
        return DeploymentConfig.load(namespace, env)
    except ConfigError as error:
        raise AdminError(str(error), USAGE) from None


@contextmanager
def open_tables(args: argparse.Namespace, env: Mapping[str, str]) -> Iterator[Tables]:
    config = load_config(args.namespace or "local", env)
    if args.data_dir is None:
        yield deployed_tables(config)
        return
    if not writes(args) and (note := running_stack_note(args.data_dir)):
        print(f"{PROG}: {note}", file=sys.stderr)
    with snapshot_tables(args.data_dir, config, writes=writes(args)) as tables:
        yield tables


def writes(args: argparse.Namespace) -> bool:
    if args.command == "share-link" and args.action == "list":
        return False
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
    if args.command == "share-link":
        print(run_share_link(args, tables, site))
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
    if args.command in RUNS:
        print(RUNS[args.command](args, tables, site, today))
        return
    counts = bot_counts(tables, site, args.days, today)
    print(json.dumps(counts.as_json(), indent=2) if args.json else format_bot_counts(counts))


def run_history(args: argparse.Namespace, tables: Tables, site: Site, today: date) -> str:
    report = history(tables, site, *day_range(args, today), args.page, args.top)
    return json.dumps(report.as_json(), indent=2) if args.json else format_history(report)


def run_stats(args: argparse.Namespace, tables: Tables, site: Site, today: date) -> str:
    report = stats(tables, site, *day_range(args, today), args.page, args.top, args.source)
    return json.dumps(report.as_json(), indent=2) if args.json else format_stats(report)


def _progress_bars(stack: ExitStack, desc: str, unit: str) -> Callable[[int], Callable[[], None]]:
    """A progress factory: `progress(total)` opens a bar on stderr (closed with `stack`) and
    returns the callback that moves it on by one."""
    from tqdm import tqdm

    def progress(total: int) -> Callable[[], None]:
        bar = stack.enter_context(tqdm(total=total, desc=desc, unit=unit, file=sys.stderr))
        return lambda: bar.update(1)

    return progress


def run_export(args: argparse.Namespace, tables: Tables, site: Site, today: date) -> str:
    last = args.last or today.isoformat()
    first = args.first or oldest_kept_day(last)
    with ExitStack() as bars:
        progress = _progress_bars(bars, "reading days", " days")
        done = exports.export_site(tables, site, args.out, first, last, now=datetime.now(UTC), progress=progress)
    return done.describe()


def run_import(args: argparse.Namespace, tables: Tables, site: Site, today: date) -> str:
    with ExitStack() as bars:
        report = imports.import_file(
            tables,
            site,
            args.file,
            args.format,
            today.isoformat(),
            dry_run=args.dry_run,
            add_overlap=args.add_overlap,
            progress=_progress_bars(bars, "importing", " items"),
        )
    return report.describe(args.dry_run)


RUNS: dict[str, Callable[[argparse.Namespace, Tables, Site, date], str]] = {
    "history": run_history,
    "stats": run_stats,
    "export": run_export,
    "import": run_import,
}


def run_share_link(args: argparse.Namespace, tables: Tables, site: Site) -> str:
    if args.action == "list":
        return dashboard.list_share_links(tables, site)
    if args.action == "revoke":
        link = dashboard.revoke_share_link(tables, site, args.link)
        return f"Revoked the share link {link.id} of {site.id} ({link.label or 'no label'})."
    url = dashboard.local_url(args.data_dir) if args.data_dir else dashboard.deployed_url(args.namespace)
    return dashboard.create_share_link(tables, site, args.label, url)


def run_dashboard_url(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    if args.data_dir is not None:
        return dashboard.local_address(args.data_dir).describe()
    return dashboard.deployed_address(load_config(args.namespace, env)).describe()


def run_import_busuanzi(args: argparse.Namespace, tables: Tables, site: Site) -> str:
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
    with ExitStack() as bars:
        progress = _progress_bars(bars, "asking busuanzi", " pages")
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
        if args.command == "dashboard-url":
            # No tables: the address and the key only.
            print(run_dashboard_url(args, env))
            return 0
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
