"""The PageCounts table: the counters of every page and of the site, and bot views per day.

Key spaces of `pageKey`, each under its site (`<site>#...`, viewcount.sites):
- `<site>#post#<articleId>`, `<site>#path#<normalised path>` and `<site>#page#<name>`: a
  page's counter item (`page#(other)` counts the pages past the site's page limit);
- `<site>#site`: the whole site's counter item, with `pages`, about how many page items exist;
- `<site>#bots#<YYYY-MM-DD>`: one of the site's days' bot views, one number per reason.
Keys without a site (`post#...`, `site`, `bots#...`) are the layout before sites, which
`./admin.sh migrate` copies into these.

A counter item is made of parts, each owning its attributes; a counter is written with the
parts it has (a page: all of them; the site: its counts):
- counts: `totalViews`, `uniqueViews`;
- position: `position:<shard>`, how far the item has counted that stream shard;
- title: `articleTitle`, set by the first counted view of an article;
- sources: `referrer:<host>` and `utm_source:<value>` (`utm_medium:`, `utm_campaign:`).

The connections reading a page are not here but in the Readers table (tables/readers.py):
a counter item's size, and so the cost of its counting write, does not grow with readers.

Counting is exact with one write per counter per stream batch. Lambda reads a shard in
order and retries a batch (whole, from its first failed record, or bisected) before it
moves on, so the views of one counter that a shard has delivered and that were counted
are always a prefix of that shard's views of the counter. Each item stores, per shard,
the sequence number it has counted up to; an update adds only views past it:
- the update is conditional on the stored position being before the batch's first view;
- when the condition fails (a retry of views already counted, wholly or in part), the
  item is read and only the views past its position are added.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import ClientError

from viewcount.item_reads import batch_get_items
from viewcount.pages import OTHER_PAGES, Page
from viewcount.tables.visitor_days import LoggedView
from viewcount.wire import CAMPAIGN_PARAMETERS

PARTITION_KEY = "pageKey"
TOTAL_VIEWS = "totalViews"
UNIQUE_VIEWS = "uniqueViews"
ARTICLE_TITLE = "articleTitle"
PAGES = "pages"
POSITION_PREFIX = "position:"
# Readers were once kept on the counter item; an item that still has such attributes loses
# them at its next counting write.
LEGACY_READER_PREFIX = "reader:"
REFERRER_PREFIX = "referrer:"
# Campaign counters are named `utm_source:<value>`, `utm_medium:<value>`, `utm_campaign:<value>`.
CAMPAIGN_SEPARATOR = ":"
SOURCE_PREFIXES = (REFERRER_PREFIX, *(name + CAMPAIGN_SEPARATOR for name in CAMPAIGN_PARAMETERS))
# Attributes that describe the running system, not the counts: how far each stream shard is
# counted. They end with the stream; a copy of the counts (the local stack's snapshot)
# leaves them out.
PROCESS_BOUND_PREFIXES = (LEGACY_READER_PREFIX, POSITION_PREFIX)

POST_KEY_PREFIX = "post#"
PATH_KEY_PREFIX = "path#"
PAGE_KEY_PREFIX = "page#"
SITE = "site"
BOTS_KEY_PREFIX = "bots#"
SITE_SEPARATOR = "#"

# Referrer hosts and campaign values are the senders' to choose. Past this many on one page,
# a new one is added to `<kind>:(other)`: every counting write pays for the item's size, and
# an item cannot grow past 400 KB (a write that would fails, and the stream would retry it
# for ever).
MAX_SOURCES_PER_PAGE = 50
OTHER_SOURCE = "(other)"
# Exactly these: a sender's host or value must not pass for one and slip past the cap.
OTHER_SOURCES = frozenset(prefix + OTHER_SOURCE for prefix in SOURCE_PREFIXES)
# Stream records live 24 h; a position of a shard older than that can never be compared
# again, so it is dropped to keep items (and their write cost) small.
POSITION_RETENTION_SECONDS = 25 * 3600

Item = dict[str, Any]  # an item in DynamoDB's typed form ({"S": ...}, {"N": ...})

# ---- keys ------------------------------------------------------------------------


def page_key(page: Page) -> str:
    """A page within its site: `post#<id>`, `path#<path>` or `page#<name>` (the history's
    sort key, and the part of a counter's key after its site)."""
    if page.article_id is not None:
        return POST_KEY_PREFIX + page.article_id
    if page.path is not None:
        return PATH_KEY_PREFIX + page.path
    return PAGE_KEY_PREFIX + str(page.page_name)


OTHER_PAGES_KEY = page_key(Page.named(OTHER_PAGES))


def counter_key(site: str, page: Page | str) -> str:
    """A page's counter: one key space for every page of a site, which the visitor days,
    the readers and the counters all use."""
    return site + SITE_SEPARATOR + (page if isinstance(page, str) else page_key(page))


def site_key(site: str) -> str:
    return site + SITE_SEPARATOR + SITE


def bots_key(site: str, day: str) -> str:
    """The item of one of the site's days' bot views; `day` is `YYYY-MM-DD`."""
    return site + SITE_SEPARATOR + BOTS_KEY_PREFIX + day


def site_of_key(key: str) -> str:
    return key.split(SITE_SEPARATOR, 1)[0]


def page_part(key: str) -> str:
    """The page within its site: `post#x` of `blog#post#x`."""
    return key.split(SITE_SEPARATOR, 1)[1]


def page_of_key(key: str) -> Page:
    """The page a counter's key counts (a page keyed by path comes back without its article
    flag, which only routed its views)."""
    part = page_part(key)
    if part.startswith(POST_KEY_PREFIX):
        return Page.post(part.removeprefix(POST_KEY_PREFIX))
    if part.startswith(PATH_KEY_PREFIX):
        return Page.at(part.removeprefix(PATH_KEY_PREFIX))
    return Page.named(part.removeprefix(PAGE_KEY_PREFIX))


def is_page_part(part: str) -> bool:
    return part.startswith((POST_KEY_PREFIX, PATH_KEY_PREFIX, PAGE_KEY_PREFIX))


def is_page_key(key: str) -> bool:
    return SITE_SEPARATOR in key and is_page_part(page_part(key))


def is_limited_key(key: str) -> bool:
    """Keys a sender can invent (article ids and paths), which the site's page limit bounds;
    the named pages are a fixed few."""
    return page_part(key).startswith((POST_KEY_PREFIX, PATH_KEY_PREFIX))


def key_of(item: Item) -> str:
    return item[PARTITION_KEY]["S"]


# ---- reading items -----------------------------------------------------------------


@dataclass(frozen=True)
class PageCounts:
    page: Page
    total_views: int
    unique_views: int


@dataclass(frozen=True)
class SiteCounts:
    total_views: int
    unique_views: int


def number(item: Item, name: str) -> int:
    """A number attribute of a typed item; 0 when the item has none."""
    return int(item.get(name, {}).get("N", "0"))


def counts_of(item: Item) -> PageCounts:
    return PageCounts(page_of_key(key_of(item)), number(item, TOTAL_VIEWS), number(item, UNIQUE_VIEWS))


def site_counts_of(item: Item) -> SiteCounts:
    return SiteCounts(number(item, TOTAL_VIEWS), number(item, UNIQUE_VIEWS))


def pages_of(site_item: Item) -> int:
    """About how many page items the site has (see PagesCreated)."""
    return number(site_item, PAGES)


def title_of(item: Item) -> str | None:
    return item.get(ARTICLE_TITLE, {}).get("S")


def source_names(item: Item) -> frozenset[str]:
    """The referrer and campaign counters an item has."""
    return frozenset(name for name in item if name.startswith(SOURCE_PREFIXES))


def bot_reasons_of(item: Item) -> dict[str, int]:
    """A day's bot views by reason, from its `bots#<day>` item."""
    return {name: int(value["N"]) for name, value in item.items() if name != PARTITION_KEY and "N" in value}


def durable_attributes(item: Item) -> Item:
    """The item without the attributes that end with the process (PROCESS_BOUND_PREFIXES)."""
    return {name: value for name, value in item.items() if not name.startswith(PROCESS_BOUND_PREFIXES)}


# ---- writing counters: the parts of an update ----------------------------------------


@dataclass
class ItemUpdate:
    """One UpdateItem's expression, built clause by clause with placeholders for every name."""

    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    _adds: list[str] = field(default_factory=list)
    _sets: list[str] = field(default_factory=list)
    _removes: list[str] = field(default_factory=list)

    def name(self, attribute: str) -> str:
        placeholder = f"#a{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, typed: dict[str, Any]) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = typed
        return placeholder

    def add(self, attribute: str, amount: int) -> None:
        self._adds.append(f"{self.name(attribute)} {self.value({'N': str(amount)})}")

    def set(self, attribute: str, typed: dict[str, Any], *, unless_present: bool = False) -> str:
        name, value = self.name(attribute), self.value(typed)
        self._sets.append(f"{name} = if_not_exists({name}, {value})" if unless_present else f"{name} = {value}")
        return name

    def remove(self, attribute: str) -> None:
        self._removes.append(self.name(attribute))

    @property
    def expression(self) -> str:
        clauses = [
            (verb, parts) for verb, parts in (("ADD", self._adds), ("SET", self._sets), ("REMOVE", self._removes))
        ]
        return " ".join(f"{verb} {', '.join(parts)}" for verb, parts in clauses if parts)


class CounterPart(Protocol):
    """What a counter item gains from some views (one shard's, in stream order)."""

    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None: ...


@dataclass(frozen=True)
class Counts:
    """Total and unique views; the site's unique views are its visitors' first views of the
    day anywhere on it, a page's those on the page."""

    site: bool = False

    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None:
        update.add(TOTAL_VIEWS, len(views))
        update.add(UNIQUE_VIEWS, sum(view.site_unique if self.site else view.unique for view in views))


@dataclass(frozen=True)
class Title:
    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None:
        title = next((view.article_title for view in views if view.article_title), None)
        if title is not None:
            # The first counted view names the article; later views cannot rename it.
            update.set(ARTICLE_TITLE, {"S": title}, unless_present=True)


@dataclass(frozen=True)
class Sources:
    """Referrer hosts and campaign tags, on the page's own item: the counting write is paid
    anyway. Each adds to the item's size, which every write pays for (a write unit per KB),
    hence the cap; `known` are those the item has."""

    known: frozenset[str] = frozenset()

    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None:
        sources = Counter(REFERRER_PREFIX + view.referrer_host for view in views if view.referrer_host)
        sources.update(name + CAMPAIGN_SEPARATOR + value for view in views for name, value in view.campaign)
        for counter, views_from_source in sorted(within_limit(sources, self.known).items()):
            update.add(counter, views_from_source)


@dataclass(frozen=True)
class PagesCreated:
    """The site's `pages` grows by the page items a batch created. It is a gauge for the
    page limit, not a count: a batch retried after its pages were written adds them again
    only if it had not written the site before."""

    created: int = 0

    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None:
        if self.created:
            update.add(PAGES, self.created)


def site_parts(pages_created: int) -> tuple[CounterPart, ...]:
    return (Counts(site=True), PagesCreated(pages_created))


def page_parts(known_sources: frozenset[str]) -> tuple[CounterPart, ...]:
    return (Counts(), Title(), Sources(known_sources))


def within_limit(sources: Counter[str], known: frozenset[str]) -> Counter[str]:
    """`sources` with the new names past MAX_SOURCES_PER_PAGE folded into `<kind>:(other)`;
    the busiest new names are the ones kept."""
    room = MAX_SOURCES_PER_PAGE - len(known - OTHER_SOURCES)
    kept: Counter[str] = Counter()
    for name, views in sorted(sources.items(), key=lambda entry: (-entry[1], entry[0])):
        if name in known or name in OTHER_SOURCES:
            kept[name] += views
        elif room > 0:
            kept[name] += views
            room -= 1
        else:
            kept[name.split(CAMPAIGN_SEPARATOR, 1)[0] + CAMPAIGN_SEPARATOR + OTHER_SOURCE] += views
    return kept


def counter_update(
    views: Sequence[LoggedView], shard: str, parts: Iterable[CounterPart], *, now: int
) -> tuple[ItemUpdate, str]:
    """The update that adds `views` with `parts` and moves the shard's position past them;
    also the placeholder of that position, for the update's condition."""
    update = ItemUpdate()
    for part in parts:
        part.add_to(update, views)
    # The time after the fixed-width sequence keeps string order and dates the entry.
    position = update.set(POSITION_PREFIX + shard, {"S": f"{views[-1].sequence}|{now}"})
    return update, position


def counted_to(item: Item, shard: str) -> str:
    """The fixed-width sequence number up to which the item has counted the shard ("" for none)."""
    return item.get(POSITION_PREFIX + shard, {}).get("S", "").split("|")[0]


# ---- the table ---------------------------------------------------------------------


class PageCountsTable:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table

    def add_views(
        self,
        key: str,
        views: Sequence[LoggedView],
        shard: str,
        parts: Iterable[CounterPart],
        *,
        now: int | None = None,
        existing_only: bool = False,
    ) -> Item:
        """Add `views` (one shard's, in stream order) to the counter at `key` with `parts`,
        each view exactly once. Returns the item as it is afterwards; with `existing_only`,
        an empty item and no write when there is no counter at `key`."""
        now = int(time.time()) if now is None else now
        parts = tuple(parts)
        item_key = {PARTITION_KEY: {"S": key}}
        while views:
            update, position = counter_update(views, shard, parts, now=now)
            first = update.value({"S": views[0].sequence})
            condition = f"(attribute_not_exists({position}) OR {position} < {first})"
            if existing_only:
                condition += f" AND attribute_exists({update.name(PARTITION_KEY)})"
            try:
                response = self._dynamodb.update_item(
                    TableName=self._table,
                    Key=item_key,
                    UpdateExpression=update.expression,
                    ConditionExpression=condition,
                    ExpressionAttributeNames=update.names,
                    ExpressionAttributeValues=update.values,
                    ReturnValues="ALL_NEW",
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
            else:
                item = response["Attributes"]
                self._drop_stale_attributes(item, now)
                return item
            # Some of these views were counted before: keep those past the stored position.
            item = self._dynamodb.get_item(TableName=self._table, Key=item_key, ConsistentRead=True).get("Item", {})
            views = [view for view in views if view.sequence > counted_to(item, shard)]
            if not views or (not item and existing_only):
                return item
        raise ValueError("no views to add")

    def _drop_stale_attributes(self, item: Item, now: int) -> None:
        """Positions no stream record can be compared with any more, and readers of the
        layout before the Readers table: both only make every later write larger."""
        old = [
            name
            for name, value in item.items()
            if name.startswith(LEGACY_READER_PREFIX)
            or (name.startswith(POSITION_PREFIX) and now - int(value["S"].split("|")[1]) > POSITION_RETENTION_SECONDS)
        ]
        if old:
            update = ItemUpdate()
            for name in old:
                update.remove(name)
            self._dynamodb.update_item(
                TableName=self._table,
                Key={PARTITION_KEY: item[PARTITION_KEY]},
                UpdateExpression=update.expression,
                ExpressionAttributeNames=update.names,
            )

    def pages(self, site: str) -> int:
        """The site's `pages` (one strongly consistent read: the limit must not be judged
        on an older, smaller number)."""
        item = self._dynamodb.get_item(
            TableName=self._table, Key={PARTITION_KEY: {"S": site_key(site)}}, ConsistentRead=True
        ).get("Item", {})
        return pages_of(item)

    def sources_of(self, key: str) -> frozenset[str]:
        """The referrer and campaign counters the item has (one eventually consistent read)."""
        item = self._dynamodb.get_item(TableName=self._table, Key={PARTITION_KEY: {"S": key}}).get("Item", {})
        return source_names(item)

    def tally_bot_view(self, site: str, reason: str, day: str) -> None:
        self._dynamodb.update_item(
            TableName=self._table,
            Key={PARTITION_KEY: {"S": bots_key(site, day)}},
            UpdateExpression="ADD #reason :one",
            ExpressionAttributeNames={"#reason": reason},
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    def get_items(self, keys: Sequence[str]) -> dict[str, Item]:
        """The items of those keys that exist, by key."""
        typed = [{PARTITION_KEY: {"S": key}} for key in dict.fromkeys(keys)]
        return {key_of(item): item for item in batch_get_items(self._dynamodb, self._table, typed)}

    def set_title(self, key: str, title: str) -> str | None:
        """Sets the title of an existing counter and returns its previous title; KeyError when
        there is no counter at `key` (the condition makes a rename never create an item)."""
        try:
            response = self._dynamodb.update_item(
                TableName=self._table,
                Key={PARTITION_KEY: {"S": key}},
                UpdateExpression="SET #title = :title",
                ConditionExpression="attribute_exists(#key)",
                ExpressionAttributeNames={"#key": PARTITION_KEY, "#title": ARTICLE_TITLE},
                ExpressionAttributeValues={":title": {"S": title}},
                ReturnValues="UPDATED_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise KeyError(key) from None
        return title_of(response.get("Attributes", {}))


def set_title_in(item: Item, title: str) -> str | None:
    """Sets the title of a counter item held in memory (the local stack's snapshot); returns the previous one."""
    previous = title_of(item)
    item[ARTICLE_TITLE] = {"S": title}
    return previous
