"""The PageCounts table: the counters of every page and of the site, and bot views per day.

Key spaces of `pageKey`, each under its site (`<site>#...`, viewcount.sites):
- `<site>#post#<articleId>`, `<site>#path#<normalised path>` and `<site>#page#<name>`: a
  page's counter item (`page#(other)` counts the pages past the site's page limit);
- `<site>#site`: the whole site's counter item, with `pages`, about how many page items exist;
- `<site>#bots#<YYYY-MM-DD>`: one of the site's days' bot views, one number per reason.
Keys without a site (`post#...`, `site`, `bots#...`) are the layout before sites, which
`./admin.sh migrate` copies into these.

A counter item is made of parts, each owning its attributes; a counter is written with the
parts it has (a page: all of them; the site: its counts and days):
- counts: `totalViews`, `uniqueViews`, for ever;
- position: `position:<shard>`, how far the item has counted that stream shard;
- title: `articleTitle`, set by the first counted view of an article;
- sources: `referrer:<host>` and `utm_source:<value>` (`utm_medium:`, `utm_campaign:`);
- days: `<YYYY-MM-DD>:totalViews`, `<day>:uniqueViews`, a page's `<day>:referrer:<host>`
  and so on, and `<day>:gen`, the block's generation: the views of each of the site's days,
  kept here while the day runs (no write of their own), then moved to the History table
  once and removed (tables/history.py);
- imports: `import:<source>`, a map of the numbers an import source brought (`totalViews`,
  `uniqueViews`, sources): set, never added, so that a re-run replaces them. The totals
  shown and pushed are the counted ones plus every import's;
- listed: `listed`, true once the page is in its site's pages index (tables/history.py).

A tally (the counts of a day, of an import, of a block) is a map of these same names to
numbers: `totalViews`, `uniqueViews` and the source names.

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

import hashlib
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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
LISTED = "listed"
IMPORT_PREFIX = "import:"
# A day block's attributes are `<YYYY-MM-DD>:<name>`; `gen` tells one block of a day from a
# later one (a late view's, after the first was moved to the history).
DAY_SEPARATOR = ":"
GENERATION = "gen"
_DAY_ATTRIBUTE = re.compile(r"(\d{4}-\d{2}-\d{2}):(.+)")
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
Tally = dict[str, int]  # totalViews, uniqueViews and source names -> numbers

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


def tally_of_map(value: Mapping[str, Any]) -> Tally:
    """A tally stored as a map (`{"M": ...}`'s content)."""
    return {name: int(number_value["N"]) for name, number_value in value.items() if "N" in number_value}


def map_of_tally(tally: Mapping[str, int]) -> dict[str, Any]:
    """A tally as a stored map."""
    return {"M": {name: {"N": str(value)} for name, value in sorted(tally.items())}}


def tallies_of(item: Item, prefix: str) -> dict[str, Tally]:
    """The item's tallies stored as maps under `prefix` (imports, a day's blocks), by the
    rest of their names."""
    return {
        name.removeprefix(prefix): tally_of_map(value["M"])
        for name, value in item.items()
        if name.startswith(prefix) and "M" in value
    }


def imports_of(item: Item) -> dict[str, Tally]:
    """Each import source's numbers on an item, by source."""
    return tallies_of(item, IMPORT_PREFIX)


def shown(item: Item, name: str) -> int:
    """A number as it is shown and pushed: counted, plus what every import brought."""
    return number(item, name) + sum(tally.get(name, 0) for tally in imports_of(item).values())


def counts_of(item: Item) -> PageCounts:
    return PageCounts(page_of_key(key_of(item)), shown(item, TOTAL_VIEWS), shown(item, UNIQUE_VIEWS))


def site_counts_of(item: Item) -> SiteCounts:
    return SiteCounts(shown(item, TOTAL_VIEWS), shown(item, UNIQUE_VIEWS))


def pages_of(site_item: Item) -> int:
    """About how many page items the site has (see PagesCreated), imported ones included."""
    return shown(site_item, PAGES)


def title_of(item: Item) -> str | None:
    return item.get(ARTICLE_TITLE, {}).get("S")


def is_listed(item: Item) -> bool:
    return item.get(LISTED, {}).get("BOOL", False)


def is_source(name: str) -> bool:
    return name.startswith(SOURCE_PREFIXES)


def referrer_source(host: str) -> str:
    """The source name of a referrer host: `referrer:<host>`."""
    return REFERRER_PREFIX + host


def campaign_source(parameter: str, value: str) -> str:
    """The source name of a campaign tag: `utm_source:<value>` (`utm_medium:`, `utm_campaign:`)."""
    return parameter + CAMPAIGN_SEPARATOR + value


def split_source(name: str) -> tuple[str, str]:
    """A source name's kind and what it names: (`referrer`, host) or (`utm_source`, value)."""
    kind, _, value = name.partition(CAMPAIGN_SEPARATOR)
    return kind, value


def source_names(item: Item) -> frozenset[str]:
    """The referrer and campaign counters an item has, for ever and in its day blocks."""
    return frozenset(name for name in item if is_source(_DAY_ATTRIBUTE.sub(r"\2", name)))


def day_attribute(day: str, name: str) -> str:
    return day + DAY_SEPARATOR + name


@dataclass(frozen=True)
class DayBlock:
    """A day's views on a counter item: its generation and its tally."""

    day: str
    generation: str
    tally: Tally

    @property
    def attributes(self) -> list[str]:
        return [day_attribute(self.day, name) for name in (GENERATION, *self.tally)]


def day_blocks(item: Item) -> dict[str, DayBlock]:
    """The day blocks an item holds, by day."""
    tallies: dict[str, Tally] = {}
    generations: dict[str, str] = {}
    for name, value in item.items():
        if match := _DAY_ATTRIBUTE.fullmatch(name):
            day, part = match.groups()
            if part == GENERATION:
                generations[day] = value["S"]
            elif "N" in value:
                tallies.setdefault(day, {})[part] = int(value["N"])
    return {day: DayBlock(day, generations.get(day, ""), tally) for day, tally in tallies.items()}


def generation(shard: str, sequence: str) -> str:
    """A short name for the block the view at this position of that shard started."""
    return hashlib.sha256(f"{shard}|{sequence}".encode()).hexdigest()[:12]


def bot_reasons_of(item: Item) -> dict[str, int]:
    """A day's bot views by reason, from its `bots#<day>` item, imported ones included."""
    reasons = Counter({name: int(value["N"]) for name, value in item.items() if name != PARTITION_KEY and "N" in value})
    for tally in imports_of(item).values():
        reasons.update(tally)
    return dict(reasons)


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

    def request(self, table: str, key: dict[str, Any], condition: str = "", *, update: bool = True) -> dict[str, Any]:
        """The parameters of an UpdateItem (or of a transaction's Update, or, without
        `update`, of a Delete that has only the condition)."""
        request: dict[str, Any] = {"TableName": table, "Key": key}
        if update:
            request["UpdateExpression"] = self.expression
        if self.names:
            request["ExpressionAttributeNames"] = self.names
        if self.values:
            request["ExpressionAttributeValues"] = self.values
        if condition:
            request["ConditionExpression"] = condition
        return request


class CounterPart(Protocol):
    """What a counter item gains from some views (one shard's, in stream order)."""

    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None: ...


@dataclass(frozen=True)
class Counts:
    """Total and unique views; the site's unique views are its visitors' first views of the
    day anywhere on it, a page's those on the page."""

    site: bool = False
    prefix: str = ""  # a day block's `<day>:`

    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None:
        update.add(self.prefix + TOTAL_VIEWS, len(views))
        update.add(self.prefix + UNIQUE_VIEWS, sum(view.site_unique if self.site else view.unique for view in views))


@dataclass(frozen=True)
class Title:
    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None:
        title = next((view.article_title for view in views if view.article_title), None)
        if title is not None:
            # The first counted view names the article; later views cannot rename it.
            update.set(ARTICLE_TITLE, {"S": title}, unless_present=True)


def sources_of(views: Iterable[LoggedView]) -> Counter[str]:
    """The views of each referrer host and campaign tag, by source name."""
    sources = Counter(referrer_source(view.referrer_host) for view in views if view.referrer_host)
    sources.update(campaign_source(name, value) for view in views for name, value in view.campaign)
    return sources


@dataclass(frozen=True)
class Sources:
    """Referrer hosts and campaign tags, on the page's own item: the counting write is paid
    anyway. Each adds to the item's size, which every write pays for (a write unit per KB),
    hence the cap; `known` are those the item has (a day's under its day's prefix)."""

    known: frozenset[str] = frozenset()
    prefix: str = ""  # a day block's `<day>:`

    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None:
        known = frozenset(name.removeprefix(self.prefix) for name in self.known if name.startswith(self.prefix))
        if not self.prefix:
            known = frozenset(name for name in known if is_source(name))
        for counter, views_from_source in sorted(within_limit(sources_of(views), known).items()):
            update.add(self.prefix + counter, views_from_source)


@dataclass(frozen=True)
class Days:
    """The views of each of the site's days in their day's block, each with its counts (and
    a page's with its sources, capped per day as for ever). The first write of a block names
    its generation after the view that started it."""

    shard: str
    site: bool = False
    known: frozenset[str] = frozenset()

    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None:
        for day, day_views in sorted(_by_day(views).items()):
            prefix = day_attribute(day, "")
            Counts(site=self.site, prefix=prefix).add_to(update, day_views)
            update.set(prefix + GENERATION, {"S": generation(self.shard, day_views[0].sequence)}, unless_present=True)
            if not self.site:
                Sources(self.known, prefix).add_to(update, day_views)


def _by_day(views: Iterable[LoggedView]) -> dict[str, list[LoggedView]]:
    days: dict[str, list[LoggedView]] = {}
    for view in views:
        days.setdefault(view.day, []).append(view)
    return days


@dataclass(frozen=True)
class PagesCreated:
    """The site's `pages` grows by the page items a batch created. It is a gauge for the
    page limit, not a count: a batch retried after its pages were written adds them again
    only if it had not written the site before."""

    created: int = 0

    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> None:
        if self.created:
            update.add(PAGES, self.created)


def site_parts(shard: str, pages_created: int) -> tuple[CounterPart, ...]:
    return (Counts(site=True), PagesCreated(pages_created), Days(shard, site=True))


def page_parts(shard: str, known_sources: frozenset[str]) -> tuple[CounterPart, ...]:
    return (Counts(), Title(), Sources(known_sources), Days(shard, known=known_sources))


@dataclass(frozen=True)
class Upkeep:
    """What a counter's next counting write also does, at no write of its own: remove the
    day blocks the history holds now (only while each is unchanged: a block that gained a
    late view stays, to be moved again), and note that the page is in its site's index."""

    removals: tuple[DayBlock, ...] = ()
    listed: bool = False

    def add_to(self, update: ItemUpdate, views: Sequence[LoggedView]) -> str:
        """Add its clauses to `update`; the condition they need ("" for none)."""
        days = {view.day for view in views}
        conditions = []
        for block in self.removals:
            if block.day in days:
                continue  # the views add to that block: it is not done
            for name in block.attributes:
                update.remove(name)
            generation_name = update.name(day_attribute(block.day, GENERATION))
            total_name = update.name(day_attribute(block.day, TOTAL_VIEWS))
            generation_value = update.value({"S": block.generation})
            total_value = update.value({"N": str(block.tally.get(TOTAL_VIEWS, 0))})
            conditions.append(f"{generation_name} = {generation_value} AND {total_name} = {total_value}")
        if self.listed:
            update.set(LISTED, {"BOOL": True})
        return " AND ".join(conditions)

    def still_due(self, item: Item) -> Upkeep:
        """The removals whose blocks the item still holds unchanged."""
        blocks = day_blocks(item)
        return Upkeep(tuple(block for block in self.removals if blocks.get(block.day) == block), self.listed)


NO_UPKEEP = Upkeep()


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
            kind, _ = split_source(name)  # `referrer` or a campaign parameter
            kept[campaign_source(kind, OTHER_SOURCE)] += views
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
        upkeep: Upkeep = NO_UPKEEP,
    ) -> Item:
        """Add `views` (one shard's, in stream order) to the counter at `key` with `parts`,
        each view exactly once, and do its `upkeep`. Returns the item as it is afterwards;
        with `existing_only`, an empty item and no write when there is no counter at `key`."""
        now = int(time.time()) if now is None else now
        parts = tuple(parts)
        item_key = {PARTITION_KEY: {"S": key}}
        while views:
            update, position = counter_update(views, shard, parts, now=now)
            first = update.value({"S": views[0].sequence})
            condition = f"(attribute_not_exists({position}) OR {position} < {first})"
            if existing_only:
                condition += f" AND attribute_exists({update.name(PARTITION_KEY)})"
            if upkeep_condition := upkeep.add_to(update, views):
                condition += f" AND {upkeep_condition}"
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
            # Some of these views were counted before (keep those past the stored position), or
            # a block to remove changed (keep it).
            item = self._dynamodb.get_item(TableName=self._table, Key=item_key, ConsistentRead=True).get("Item", {})
            views = [view for view in views if view.sequence > counted_to(item, shard)]
            upkeep = upkeep.still_due(item)
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

    def upkeep(self, key: str, upkeep: Upkeep) -> bool:
        """Do a counter's upkeep in a write of its own (an import's page, or blocks that a
        counting write did not remove); False when a block changed since (nothing written)."""
        update = ItemUpdate()
        condition = upkeep.add_to(update, ())
        try:
            self._dynamodb.update_item(**update.request(self._table, {PARTITION_KEY: {"S": key}}, condition))
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def set_import(self, key: str, source: str, tally: Tally, title: str | None = None) -> Item:
        """An import source's numbers on a counter (created if need be), replacing what the
        same source brought before; a title names an untitled article. The item afterwards."""
        update = ItemUpdate()
        update.set(IMPORT_PREFIX + source, map_of_tally(tally))
        if title is not None:
            update.set(ARTICLE_TITLE, {"S": title}, unless_present=True)
        response = self._dynamodb.update_item(
            TableName=self._table,
            Key={PARTITION_KEY: {"S": key}},
            UpdateExpression=update.expression,
            ExpressionAttributeNames=update.names,
            ExpressionAttributeValues=update.values,
            ReturnValues="ALL_NEW",
        )
        return response["Attributes"]

    # ---- an operator's page edits: items of one transaction (admin/pages.py) --------

    def delete_counter(self, key: str, item: Item) -> dict[str, Any]:
        """Delete a counter, as it was read: unchanged counted views and imports."""
        update = ItemUpdate()
        total = update.name(TOTAL_VIEWS)
        conditions = [
            f"{total} = {update.value(item[TOTAL_VIEWS])}" if TOTAL_VIEWS in item else f"attribute_not_exists({total})"
        ]
        for name, value in sorted(item.items()):
            if name.startswith(IMPORT_PREFIX):
                conditions.append(f"{update.name(name)} = {update.value(value)}")
        return {
            "Delete": update.request(self._table, {PARTITION_KEY: {"S": key}}, " AND ".join(conditions), update=False)
        }

    def add_to_counter(
        self, key: str, tally: Tally, imports: dict[str, Tally] | None = None, title: str | None = None
    ) -> dict[str, Any]:
        """Add counted numbers to a counter (negative ones take them out), set its imports
        (summed by the caller), and name it if it has no title. A page's counter is noted as
        listed: the caller lists it."""
        update = ItemUpdate()
        for name, value in sorted(tally.items()):
            if value:
                update.add(name, value)
        for source, numbers in sorted((imports or {}).items()):
            update.set(IMPORT_PREFIX + source, map_of_tally(numbers))
        if title is not None:
            update.set(ARTICLE_TITLE, {"S": title}, unless_present=True)
        if is_page_key(key):
            update.set(LISTED, {"BOOL": True})
        return {"Update": update.request(self._table, {PARTITION_KEY: {"S": key}})}

    def transact(self, operations: list[dict[str, Any]]) -> bool:
        """One transaction (of this table's and the history's operations); False when a
        condition no longer held (what was read has changed: nothing was written)."""
        try:
            self._dynamodb.transact_write_items(TransactItems=operations)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            return False
        return True

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
