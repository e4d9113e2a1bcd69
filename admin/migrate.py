"""`./admin.sh migrate`: copy a deployment's counts from the layouts before sites into a site.

The layouts before sites keyed the counters without a site (`post#<id>`, `path#<path>`,
`page#<name>`, `site`, `bots#<day>`), and kept no history; the earlier of the two also kept
readers on the counters (`reader:` attributes) and had no `path#` pages. Everything that
counted goes into the site's counters as the import source `migrated` (use_cases/import_counts):
page, article and site totals, referrers and campaigns, titles, the site's page gauge, and
the bot tallies per day. An import is set, never added to, so a run is idempotent and can be
stopped and run again; what the new layout counted since the deploy is kept apart and added
to, never overwritten. The old items stay (nothing reads them); the old layout's salts go,
for nothing can use them and they must not outlive their 48 hours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from admin.targets import Tables
from viewcount.sites import Site
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import (
    ARTICLE_TITLE,
    BOTS_KEY_PREFIX,
    PAGES,
    SITE,
    TOTAL_VIEWS,
    UNIQUE_VIEWS,
    Item,
    PageCountsTable,
    bot_reasons_of,
    bots_key,
    is_page_part,
    is_source,
    key_of,
    number,
)
from viewcount.tables.salts import delete_salt, salts_before_sites
from viewcount.use_cases.import_counts import Imported, ImportPlan, import_counts
from viewcount_infra.topology import COUNTS, HISTORY, SALTS

SOURCE = "migrated"


def is_before_sites(key: str) -> bool:
    """A key of the layouts before sites: its first part is a kind of key, not a site."""
    return key == SITE or is_page_part(key) or key.startswith(BOTS_KEY_PREFIX)


@dataclass
class Migration:
    pages: int = 0
    site_views: int = 0
    bot_days: int = 0
    salts_deleted: int = 0
    plan: ImportPlan = field(default_factory=lambda: ImportPlan(SOURCE))
    bots: dict[str, dict[str, int]] = field(default_factory=dict)  # day -> reasons

    def describe(self, site: Site, dry_run: bool) -> str:
        verb = "Would copy" if dry_run else "Copied"
        salts = "would delete" if dry_run else "deleted"
        return (
            f"{verb} {self.pages} pages and articles, {self.site_views:,} site views and {self.bot_days} days of bot "
            f"tallies into site {site.id} (import source '{SOURCE}'); {salts} {self.salts_deleted} salts of the "
            "layout before sites."
        )


def old_items(dynamodb: Any, table: str) -> Iterator[Item]:
    """Every item of the table (a migration reads all of it once; nothing else ever scans)."""
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        yield from page["Items"]


def plan_migration(items: Iterator[Item], progress: Callable[[], None] = lambda: None) -> Migration:
    """What the old layout's items amount to, as the `migrated` import of one site."""
    migration = Migration()
    lifetime: dict[str, Imported] = {}
    titles: dict[str, str] = {}
    for item in items:
        progress()
        key = key_of(item)
        if not is_before_sites(key):
            continue  # already the new layout's
        if key.startswith(BOTS_KEY_PREFIX):
            migration.bots[key.removeprefix(BOTS_KEY_PREFIX)] = bot_reasons_of(item)
            continue
        sources = {name: int(value["N"]) for name, value in item.items() if is_source(name) and "N" in value}
        if key == SITE:
            lifetime[SITE] = Imported(number(item, TOTAL_VIEWS), number(item, UNIQUE_VIEWS), pages=number(item, PAGES))
            migration.site_views = number(item, TOTAL_VIEWS)
            continue
        lifetime[key] = Imported(number(item, TOTAL_VIEWS), number(item, UNIQUE_VIEWS), sources)
        if ARTICLE_TITLE in item:
            titles[key] = item[ARTICLE_TITLE]["S"]
        migration.pages += 1
    migration.plan = ImportPlan(SOURCE, lifetime=lifetime, titles=titles)
    migration.bot_days = len(migration.bots)
    return migration


def migrate(tables: Tables, site: Site, *, dry_run: bool, progress: Callable[[], None] = lambda: None) -> Migration:
    dynamodb = tables.dynamodb
    migration = plan_migration(old_items(dynamodb, tables.name(COUNTS)), progress)
    old_salts = salts_before_sites(dynamodb, tables.name(SALTS))
    migration.salts_deleted = len(old_salts)
    migration.plan.check()
    if dry_run:
        return migration
    counters = PageCountsTable(dynamodb, tables.name(COUNTS))
    import_counts(counters, HistoryTable(dynamodb, tables.name(HISTORY)), site, migration.plan)
    for day, reasons in migration.bots.items():
        counters.set_import(bots_key(site.id, day), SOURCE, reasons)
    for day in old_salts:
        delete_salt(dynamodb, tables.name(SALTS), day)
    return migration
