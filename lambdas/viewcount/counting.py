"""Counting logged views exactly once, one conditional update per counter per stream batch.

Lambda reads a stream shard in order and retries a batch (whole, from its first failed
record, or bisected) before it moves on. So the views of one counter that a shard has
delivered and that were counted are always a prefix of that shard's views of the counter.
Each counter item stores, per shard, the sequence number it has counted up to
(`position:<shard>`); an update adds only views past it:

- the update is conditional on the stored position being before the batch's first view;
- when the condition fails (a retry of views already counted, wholly or in part), the
  item is read and only the views past its position are added.

One write per counter per batch, however often a batch is delivered.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from viewcount.settings import CONNECTION_LIFETIME_SECONDS
from viewcount.wire import CAMPAIGN_PARAMETERS

POSITION_PREFIX = "position:"
READER_PREFIX = "reader:"
REFERRER_PREFIX = "referrer:"
# Campaign counters are named `utm_source:<value>`, `utm_medium:<value>`, `utm_campaign:<value>`.
CAMPAIGN_SEPARATOR = ":"
SOURCE_PREFIXES = (REFERRER_PREFIX, *(name + CAMPAIGN_SEPARATOR for name in CAMPAIGN_PARAMETERS))
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
# Sequence numbers are decimal strings of varying length; fixed width makes them compare
# as strings, which is all a DynamoDB condition can do with them.
_SEQUENCE_WIDTH = 48

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class LoggedView:
    """A view as the view log's stream delivers it."""

    sequence_number: str  # as the stream gives it: the record's id in batch responses
    page_key: str
    unique: bool
    article_title: str | None = None
    referrer_host: str | None = None
    connection_id: str | None = None
    connected_at: int | None = None
    campaign: tuple[tuple[str, str], ...] = ()  # (utm parameter, value)

    @property
    def sequence(self) -> str:
        """The sequence number at a fixed width, so that it compares as a string."""
        return self.sequence_number.zfill(_SEQUENCE_WIDTH)


def logged_view(sequence_number: str, image: dict[str, Any]) -> LoggedView:
    """From a deserialised NEW_IMAGE; KeyError or ValueError when it is not a logged view."""
    if not isinstance(image["pageKey"], str):
        raise ValueError("pageKey is not a string")
    connected_at = image.get("connectedAt")
    campaign = image.get("campaign") or {}
    return LoggedView(
        sequence_number=sequence_number,
        page_key=image["pageKey"],
        unique=bool(image.get("unique")),
        article_title=image.get("articleTitle"),
        referrer_host=image.get("referrerHost"),
        connection_id=image.get("connectionId"),
        connected_at=int(connected_at) if connected_at is not None else None,
        campaign=tuple(sorted((str(name), str(value)) for name, value in campaign.items())),
    )


def group_by(views: Iterable[LoggedView], key_of: Callable[[LoggedView], Key | None]) -> dict[Key, list[LoggedView]]:
    """Views by key, each list in stream order; views whose key is None are left out."""
    groups: dict[Key, list[LoggedView]] = {}
    for view in views:
        key = key_of(view)
        if key is not None:
            groups.setdefault(key, []).append(view)
    return groups


@dataclass(frozen=True)
class CounterUpdate:
    """What a counter item gains from some views: the expression and values of one UpdateItem."""

    expression: str
    names: dict[str, str]
    values: dict[str, dict[str, Any]]

    @classmethod
    def of(
        cls,
        views: list[LoggedView],
        shard: str,
        *,
        now: int,
        page: bool = False,
        forget: Iterable[str] = (),
        known_sources: frozenset[str] = frozenset(),
    ) -> CounterUpdate:
        """A page counter also names its article, counts referrer hosts and campaign tags
        (`known_sources`: those the item has) and keeps its readers; `forget` names readers
        known to have left, removed in the same write."""
        names = {"#position": POSITION_PREFIX + shard}
        values: dict[str, dict[str, Any]] = {
            ":total": {"N": str(len(views))},
            ":unique": {"N": str(sum(view.unique for view in views))},
            # The time after the fixed-width sequence keeps string order and dates the entry.
            ":position": {"S": f"{views[-1].sequence}|{now}"},
        }
        adds = ["totalViews :total", "uniqueViews :unique"]
        sets = ["#position = :position"]
        title = next((view.article_title for view in views if view.article_title), None) if page else None
        if title is not None:
            # The first counted view names the article; later views cannot rename it.
            sets.append("articleTitle = if_not_exists(articleTitle, :title)")
            values[":title"] = {"S": title}
        if page:
            # Referrer hosts and campaign tags, on the page's own item: the counting write is
            # paid anyway. Each adds to the item's size, which every write pays for (a write
            # unit per KB), hence the cap.
            sources = Counter(REFERRER_PREFIX + view.referrer_host for view in views if view.referrer_host)
            sources.update(name + CAMPAIGN_SEPARATOR + value for view in views for name, value in view.campaign)
            sources = within_limit(sources, known_sources)
            for index, (counter, views_from_source) in enumerate(sorted(sources.items())):
                names[f"#h{index}"] = counter
                values[f":h{index}"] = {"N": str(views_from_source)}
                adds.append(f"#h{index} :h{index}")
            expiries = {
                view.connection_id: view.connected_at + CONNECTION_LIFETIME_SECONDS
                for view in views
                if view.connection_id and view.connected_at is not None
            }
            for index, (connection_id, expires_at) in enumerate(sorted(expiries.items())):
                names[f"#r{index}"] = READER_PREFIX + connection_id
                values[f":r{index}"] = {"N": str(expires_at)}
                sets.append(f"#r{index} = :r{index}")
        removes = []
        for index, connection_id in enumerate(sorted(set(forget) - {view.connection_id for view in views})):
            names[f"#f{index}"] = READER_PREFIX + connection_id
            removes.append(f"#f{index}")
        expression = f"ADD {', '.join(adds)} SET {', '.join(sets)}"
        return cls(expression + (f" REMOVE {', '.join(removes)}" if removes else ""), names, values)


def add_exactly_once(
    dynamodb: Any,
    table: str,
    key: dict[str, str],
    views: list[LoggedView],
    shard: str,
    *,
    now: int | None = None,
    page: bool = False,
    forget: Iterable[str] = (),
    known_sources: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Add `views` (one shard's, in stream order) to the counter at `key`, each exactly once.

    Returns the item as it is afterwards, in DynamoDB's typed form.
    """
    now = int(time.time()) if now is None else now
    item_key = {name: {"S": value} for name, value in key.items()}
    while views:
        update = CounterUpdate.of(views, shard, now=now, page=page, forget=forget, known_sources=known_sources)
        try:
            response = dynamodb.update_item(
                TableName=table,
                Key=item_key,
                UpdateExpression=update.expression,
                ConditionExpression="attribute_not_exists(#position) OR #position < :first",
                ExpressionAttributeNames=update.names,
                ExpressionAttributeValues={**update.values, ":first": {"S": views[0].sequence}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        else:
            item = response["Attributes"]
            _drop_old_positions(dynamodb, table, item_key, item, now)
            return item
        # Some of these views were counted before: keep those past the stored position.
        item = dynamodb.get_item(TableName=table, Key=item_key, ConsistentRead=True).get("Item", {})
        counted_to = item.get(POSITION_PREFIX + shard, {}).get("S", "").split("|")[0]
        views = [view for view in views if view.sequence > counted_to]
        if not views:
            return item
    raise ValueError("no views to add")


def _drop_old_positions(dynamodb: Any, table: str, item_key: dict[str, Any], item: dict[str, Any], now: int) -> None:
    old = [
        name
        for name, value in item.items()
        if name.startswith(POSITION_PREFIX) and now - int(value["S"].split("|")[1]) > POSITION_RETENTION_SECONDS
    ]
    if old:
        remove_attributes(dynamodb, table, item_key, old)


def remove_attributes(dynamodb: Any, table: str, item_key: dict[str, Any], names: list[str]) -> None:
    placeholders = {f"#a{index}": name for index, name in enumerate(names)}
    dynamodb.update_item(
        TableName=table,
        Key=item_key,
        UpdateExpression="REMOVE " + ", ".join(placeholders),
        ExpressionAttributeNames=placeholders,
    )


def readers_of(item: dict[str, Any], now: int) -> tuple[list[str], list[str]]:
    """The item's reader connections that may still be open, and those API Gateway has
    closed by now (its 2 h limit)."""
    open_, closed = [], []
    for name, value in item.items():
        if name.startswith(READER_PREFIX):
            (open_ if int(value["N"]) > now else closed).append(name.removeprefix(READER_PREFIX))
    return open_, closed


def source_names(item: dict[str, Any]) -> frozenset[str]:
    """The referrer and campaign counters an item has."""
    return frozenset(name for name in item if name.startswith(SOURCE_PREFIXES))


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
