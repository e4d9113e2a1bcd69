"""The History table: each site's days, per page and for the site, kept at least 800 days.

A page's current day rides on its counter item (tables/page_counts.py, its day blocks): no
view costs a write of its own here. Once the day is over, the counting function moves each
block here with one write per page and day, then removes it from the counter.

Keys:
- `siteDay` = `<site>#<YYYY-MM-DD>` (the site's day, in its time zone), `key` = the page
  within its site (`post#<id>`, `path#<path>`, `page#<name>`) or `site`: one day of a page
  or of the site;
- `siteDay` = `<site>#pages`, `key` = a page: the site's pages index, one item per page the
  site ever counted, so that a range read finds every counter without a Scan.

A day item is add-only: every contribution has an attribute of its own, so that a late
view or an import never overwrites another's.
- `g:<generation>`: a map, the tally of one block of the day as the counter held it (views,
  unique views, referrer and campaign counts). A block is moved once: a second move of the
  same block sets the same or a larger tally (the condition keeps a stale one out), and the
  counter drops the block only while it is unchanged. A view that arrives after its day's
  block was moved starts a new block, with a generation of its own.
- `import:<source>`: a map, what an import source brought to that day (set, not added: a
  re-run of the source replaces it).
- `adjust:<name>`: on the site's day, what an operator took out of it (`./admin.sh
  delete-page`: the deleted page's views, negative), added in the same transaction that
  deleted the page's day, so that it happens once.
- `expiresAt`: 801 days after the day began (TTL).

A day of a page is the sum of its maps, with a block still on the counter taking the place
of its own generation here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from viewcount.item_reads import batch_get_items, query_all
from viewcount.sites import Site, shift_day
from viewcount.tables.page_counts import (
    IMPORT_PREFIX,
    SITE,
    TOTAL_VIEWS,
    DayBlock,
    Item,
    ItemUpdate,
    Tally,
    imports_of,
    map_of_tally,
    tallies_of,
)

PARTITION_KEY = "siteDay"
SORT_KEY = "key"
EXPIRES_AT = "expiresAt"
GENERATION_PREFIX = "g:"
ADJUST_PREFIX = "adjust:"
PAGES = "pages"
SITE_DAY = SITE  # the sort key of the site's own day
RETENTION_DAYS = 801  # so that the last 12 months can be compared with the 12 before
_SECONDS_PER_DAY = 86_400


def oldest_kept_day(today: str) -> str:
    """The oldest of the site's days that the history keeps on `today`: RETENTION_DAYS days,
    today the last. A day expires RETENTION_DAYS days after it began (`expiresAt`), so the
    day before this one is gone by today's start (TTL may lag, but it is due)."""
    return shift_day(today, 1 - RETENTION_DAYS)


def day_key(site: str, day: str) -> str:
    return f"{site}#{day}"


def pages_key(site: str) -> str:
    return f"{site}#{PAGES}"


def generations_of(item: Item) -> dict[str, Tally]:
    return tallies_of(item, GENERATION_PREFIX)


class HistoryTable:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table

    def _key(self, partition: str, sort: str) -> dict[str, Any]:
        return {PARTITION_KEY: {"S": partition}, SORT_KEY: {"S": sort}}

    def _expires(self, site: Site, day: str) -> dict[str, str]:
        return {"N": str(site.day_start(day) + RETENTION_DAYS * _SECONDS_PER_DAY)}

    def save_block(self, site: Site, day: str, part: str, generation: str, tally: Tally) -> bool:
        """A day block of a page (`part`) or of the site (`site`), as its counter holds it;
        False when a larger tally of the same block is here already (this one is stale)."""
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key=self._key(day_key(site.id, day), part),
                UpdateExpression="SET #block = :tally, #expires = if_not_exists(#expires, :expires)",
                ConditionExpression="attribute_not_exists(#block) OR #block.#total <= :total",
                ExpressionAttributeNames={
                    "#block": GENERATION_PREFIX + generation,
                    "#total": TOTAL_VIEWS,
                    "#expires": EXPIRES_AT,
                },
                ExpressionAttributeValues={
                    ":tally": map_of_tally(tally),
                    ":total": {"N": str(tally.get(TOTAL_VIEWS, 0))},
                    ":expires": self._expires(site, day),
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def set_import(self, site: Site, day: str, part: str, source: str, tally: Tally) -> None:
        """What an import source brought to a day of a page or of the site, replacing what
        the same source brought before."""
        self._dynamodb.update_item(
            TableName=self._table,
            Key=self._key(day_key(site.id, day), part),
            UpdateExpression="SET #import = :tally, #expires = if_not_exists(#expires, :expires)",
            ExpressionAttributeNames={"#import": IMPORT_PREFIX + source, "#expires": EXPIRES_AT},
            ExpressionAttributeValues={":tally": map_of_tally(tally), ":expires": self._expires(site, day)},
        )

    def list_page(self, site: str, part: str) -> None:
        """Put a page in its site's pages index (again is harmless)."""
        self._dynamodb.put_item(TableName=self._table, Item=self._key(pages_key(site), part))

    def pages(self, site: str) -> list[str]:
        """Every page in the site's index."""
        return [item[SORT_KEY]["S"] for item in self._query(pages_key(site))]

    def day(self, site: str, day: str) -> dict[str, Item]:
        """Every item of one of the site's days, by page (and `site`)."""
        return {item[SORT_KEY]["S"]: item for item in self._query(day_key(site, day))}

    def get_days(self, site: str, days: Iterable[str], part: str) -> dict[str, Item]:
        """One page's (or the site's) items of those days, by day."""
        keys = [self._key(day_key(site, day), part) for day in dict.fromkeys(days)]
        items = batch_get_items(self._dynamodb, self._table, keys)
        return {item[PARTITION_KEY]["S"].split("#", 1)[1]: item for item in items}

    # ---- an operator's page edits: items of one transaction (admin/pages.py) --------

    def delete_day(self, site: str, day: str, part: str, item: Item) -> dict[str, Any]:
        """Delete a page's day, as it was read (unchanged: the same blocks and imports)."""
        update = ItemUpdate()
        conditions = [
            f"{update.name(name)} = {update.value(value)}"
            for name, value in sorted(item.items())
            if name.startswith((GENERATION_PREFIX, IMPORT_PREFIX))
        ] or [f"attribute_exists({update.name(PARTITION_KEY)})"]
        key = self._key(day_key(site, day), part)
        return {"Delete": update.request(self._table, key, " AND ".join(conditions), update=False)}

    def add_day(
        self, site: Site, day: str, part: str, generations: dict[str, Tally], imports: dict[str, Tally]
    ) -> dict[str, Any]:
        """Add blocks (each under its own generation) and imports to a page's day; an import
        of a source the day has already is replaced by `imports`' (the caller sums them)."""
        update = ItemUpdate()
        for generation, tally in generations.items():
            update.set(GENERATION_PREFIX + generation, map_of_tally(tally))
        for source, tally in imports.items():
            update.set(IMPORT_PREFIX + source, map_of_tally(tally))
        update.set(EXPIRES_AT, self._expires(site, day), unless_present=True)
        return {"Update": update.request(self._table, self._key(day_key(site.id, day), part))}

    def adjust_site_day(self, site: Site, day: str, tally: Tally) -> dict[str, Any]:
        """Take numbers out of the site's day (`tally` holds them negative)."""
        update = ItemUpdate()
        for name, value in sorted(tally.items()):
            update.add(ADJUST_PREFIX + name, value)
        update.set(EXPIRES_AT, self._expires(site, day), unless_present=True)
        return {"Update": update.request(self._table, self._key(day_key(site.id, day), SITE_DAY))}

    def unlist_page(self, site: str, part: str) -> None:
        self._dynamodb.delete_item(TableName=self._table, Key=self._key(pages_key(site), part))

    def _query(self, partition: str) -> list[Item]:
        return query_all(
            self._dynamodb,
            {
                "TableName": self._table,
                "KeyConditionExpression": "#partition = :partition",
                "ExpressionAttributeNames": {"#partition": PARTITION_KEY},
                "ExpressionAttributeValues": {":partition": {"S": partition}},
            },
        )


def adjustments_of(item: Item) -> Tally:
    return {
        name.removeprefix(ADJUST_PREFIX): int(value["N"])
        for name, value in item.items()
        if name.startswith(ADJUST_PREFIX) and "N" in value
    }


def counted_tally(history_item: Item | None, block: DayBlock | None = None) -> Tally:
    """A day's counted views (no import, no adjustment): every block this item holds, with
    the block still on the counter (if any) in the place of its own generation here."""
    generations = generations_of(history_item or {})
    if block is not None:
        generations[block.generation] = block.tally
    return _sum(generations.values())


def merged_tally(history_item: Item | None, block: DayBlock | None = None) -> Tally:
    """A day's tally as it is shown: counted, imported and adjusted."""
    item = history_item or {}
    return _sum([counted_tally(item, block), *imports_of(item).values(), adjustments_of(item)])


def _sum(tallies: Iterable[Tally]) -> Tally:
    total: Tally = {}
    for tally in tallies:
        for name, value in tally.items():
            total[name] = total.get(name, 0) + value
    return total
