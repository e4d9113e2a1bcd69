"""The Readers table: which page each open connection reads, written once per counting batch.

A page's readers used to live on its counter item, so a crowd made every counting write of
that page larger, and past about 14,000 readers too large to write at all. Here they are a
log instead, one item per batch that brought views, whatever the pages:
- `slot` (partition key): `readers#<write time // SLOT_SECONDS>`, so that the readers of the
  last two hours are a bounded number of `Query` calls;
- `entry` (sort key): `<write time in ms, 13 digits>#<writer>`, so that a reader of the log
  asks only for what was written since it last looked;
- `arrived`: connection id -> `<expiresAt>|<pageKey>`, each connection's latest page;
- `gone`: the connections a push found closed;
- `replaced`: connections whose visitor has viewed since on another connection (a page load
  replaces the page before's), not counted as reading though still pushed (another tab);
- `expiresAt`: the TTL, when the last of its connections reaches API Gateway's 2 h limit.

A dashboard's connection is logged as a reader of its own kind: its "page" is
`watch#<site>` (watch_key), which no page key of the site starts like, so it is never
counted as reading the site.

An item holds at most MAX_ENTRY_BYTES, so no number of readers makes one write large.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from viewcount.item_reads import query_all

PARTITION_KEY = "slot"
SORT_KEY = "entry"
ARRIVED = "arrived"
GONE = "gone"
REPLACED = "replaced"
EXPIRES_AT = "expiresAt"
WATCH_PREFIX = "watch#"

SLOT_SECONDS = 600
# API Gateway closes every connection after 2 h, and one that carried no message either way
# for 10 min. A connection is pushed whenever its page gains views, so one whose own view
# and whose page's last view are both older than that has been closed.
CONNECTION_LIFETIME_SECONDS = 2 * 3600
IDLE_SECONDS = 600
# A write is one WRU per KB: an item of this size is 8 WRU for about 150 connections.
MAX_ENTRY_BYTES = 8 * 1024
# Writers' clocks and DynamoDB's replication disagree by less than this: a reader of the
# log looks this far back past what it has read, and takes what it saw before again.
READ_OVERLAP_MS = 5_000


def slot_key(slot: int) -> str:
    return f"readers#{slot}"


def slot_of(seconds: float) -> str:
    return slot_key(int(seconds) // SLOT_SECONDS)


def watch_key(site: str) -> str:
    """The "page" a dashboard watching the site reads, in `arrived`."""
    return WATCH_PREFIX + site


@dataclass(frozen=True)
class Arrival:
    page_key: str
    expires_at: int


@dataclass(frozen=True)
class ReaderEntry:
    """One write to the log: connections that viewed (each with its latest page), connections
    found closed, and connections their visitor replaced with a newer one."""

    written_ms: int
    arrived: Mapping[str, Arrival]
    gone: frozenset[str] = frozenset()
    replaced: frozenset[str] = frozenset()


def entry_items(entry: ReaderEntry, writer: str) -> Iterator[dict[str, Any]]:
    """The entry as items of at most about MAX_ENTRY_BYTES each."""
    parts: list[tuple[dict[str, dict[str, str]], list[str], list[str]]] = [({}, [], [])]
    size = 0

    def take(nbytes: int) -> tuple[dict[str, dict[str, str]], list[str], list[str]]:
        nonlocal size
        if size + nbytes > MAX_ENTRY_BYTES and size:
            parts.append(({}, [], []))
            size = 0
        size += nbytes
        return parts[-1]

    for connection_id, arrival in entry.arrived.items():
        value = f"{arrival.expires_at}|{arrival.page_key}"
        take(len(connection_id) + len(value) + 8)[0][connection_id] = {"S": value}
    for connection_id in sorted(entry.gone):
        take(len(connection_id) + 4)[1].append(connection_id)
    for connection_id in sorted(entry.replaced):
        take(len(connection_id) + 4)[2].append(connection_id)
    slot = slot_of(entry.written_ms / 1000)
    # Gone ids need keeping only as long as an arrival could still name them.
    kept_until = entry.written_ms // 1000 + CONNECTION_LIFETIME_SECONDS
    for part, (arrived, gone, replaced) in enumerate(parts):
        item: dict[str, Any] = {
            PARTITION_KEY: {"S": slot},
            SORT_KEY: {"S": f"{entry.written_ms:013d}#{writer}#{part}"},
            EXPIRES_AT: {"N": str(kept_until)},
        }
        if arrived:
            item[ARRIVED] = {"M": arrived}
        if gone:
            item[GONE] = {"SS": gone}
        if replaced:
            item[REPLACED] = {"SS": replaced}
        yield item


def entry_of(item: dict[str, Any]) -> ReaderEntry:
    arrived = {}
    for connection_id, value in item.get(ARRIVED, {}).get("M", {}).items():
        expires_at, page_key = value["S"].split("|", 1)
        arrived[connection_id] = Arrival(page_key, int(expires_at))
    written_ms = int(item[SORT_KEY]["S"].split("#", 1)[0])
    return ReaderEntry(
        written_ms,
        arrived,
        frozenset(item.get(GONE, {}).get("SS", ())),
        frozenset(item.get(REPLACED, {}).get("SS", ())),
    )


class ReadersTable:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table
        # Two writers in one millisecond must not overwrite each other's entry.
        self._writer = uuid.uuid4().hex[:8]
        self._writes = 0

    def write(self, entry: ReaderEntry) -> None:
        if not entry.arrived and not entry.gone and not entry.replaced:
            return
        self._writes += 1
        # Zero-padded: entries of one second sort by the writer's count, so that a reader of
        # the log meets this writer's entries in the order they were written (10 after 9).
        for item in entry_items(entry, f"{self._writer}{self._writes:010d}"):
            self._dynamodb.put_item(TableName=self._table, Item=item)

    def entries_in(self, slot: int, since_ms: int) -> list[ReaderEntry]:
        """The entries of one slot written from `since_ms` on, oldest first (eventually
        consistent: one read unit per 8 KB)."""
        items = query_all(
            self._dynamodb,
            {
                "TableName": self._table,
                "KeyConditionExpression": "#slot = :slot AND #entry >= :since",
                "ExpressionAttributeNames": {"#slot": PARTITION_KEY, "#entry": SORT_KEY},
                "ExpressionAttributeValues": {
                    ":slot": {"S": slot_key(slot)},
                    ":since": {"S": f"{max(0, since_ms):013d}"},
                },
            },
        )
        return [entry_of(item) for item in items]


@dataclass
class ReaderIndex:
    """The readers of every page, as one warm instance knows them from the log and from its
    own pushes: each connection's latest page, and the connections found closed."""

    latest: dict[str, Arrival] = field(default_factory=dict)
    active_ms: dict[str, int] = field(default_factory=dict)  # connection -> its latest view
    by_page: dict[str, set[str]] = field(default_factory=dict)
    page_active_ms: dict[str, int] = field(default_factory=dict)  # page -> its latest view
    gone: dict[str, int] = field(default_factory=dict)  # connection -> until when to remember it
    replaced: set[str] = field(default_factory=set)  # pushed, not counted as reading
    read_to_ms: int | None = None  # the log is read up to here (None: never read)

    def catch_up(self, table: ReadersTable, now: float) -> None:
        """Read what the log gained since the last look (on a new instance: the last 2 h),
        slot by slot: a read that fails part way resumes where it stopped."""
        now_ms = int(now * 1000)
        since = now_ms - CONNECTION_LIFETIME_SECONDS * 1000 if self.read_to_ms is None else self.read_to_ms
        since -= READ_OVERLAP_MS
        for slot in range(since // 1000 // SLOT_SECONDS, int(now) // SLOT_SECONDS + 1):
            for entry in table.entries_in(slot, since):
                self.note(entry)
            self.read_to_ms = min(now_ms, (slot + 1) * SLOT_SECONDS * 1000)
        self.forget_closed(now)

    def note(self, entry: ReaderEntry) -> None:
        for connection_id, arrival in entry.arrived.items():
            if connection_id in self.gone or self.active_ms.get(connection_id, -1) > entry.written_ms:
                continue  # a closed connection never comes back; a later view wins
            previous = self.latest.get(connection_id)
            self.replaced.discard(connection_id)  # it viewed again: its tab is read
            if previous is not None:
                self.by_page.get(previous.page_key, set()).discard(connection_id)
            self.latest[connection_id] = arrival
            self.active_ms[connection_id] = entry.written_ms
            self.by_page.setdefault(arrival.page_key, set()).add(connection_id)
            self.page_active_ms[arrival.page_key] = max(self.page_active_ms.get(arrival.page_key, 0), entry.written_ms)
        self.note_gone(entry.gone, entry.written_ms // 1000)
        # The writer left out a connection that viewed again after it was replaced.
        self.replaced.update(c for c in entry.replaced if c in self.latest and self.active_ms[c] <= entry.written_ms)

    def note_gone(self, connection_ids: Iterable[str], now: int) -> None:
        for connection_id in connection_ids:
            self.gone[connection_id] = now + CONNECTION_LIFETIME_SECONDS
            self._forget(connection_id)

    def _forget(self, connection_id: str) -> None:
        arrival = self.latest.pop(connection_id, None)
        self.active_ms.pop(connection_id, None)
        self.replaced.discard(connection_id)
        if arrival is not None:
            self.by_page.get(arrival.page_key, set()).discard(connection_id)

    def is_open(self, connection_id: str, now: float) -> bool:
        arrival = self.latest.get(connection_id)
        if arrival is None or arrival.expires_at <= now:
            return False
        active_ms = max(self.active_ms[connection_id], self.page_active_ms.get(arrival.page_key, 0))
        return now * 1000 - active_ms < IDLE_SECONDS * 1000

    def readers(self, page_key: str, now: float) -> list[str]:
        """The connections whose latest page this is and that may still be open."""
        return sorted(c for c in self.by_page.get(page_key, ()) if self.is_open(c, now))

    def reading(self, connection_ids: Iterable[str]) -> int:
        """How many of these connections count as reading: not those whose visitor has moved on."""
        return sum(1 for connection_id in connection_ids if connection_id not in self.replaced)

    def reading_site(self, site: str, now: float) -> int:
        """How many read some page of the site."""
        return sum(self.reading_pages(site, now).values())

    def reading_pages(self, site: str, now: float) -> dict[str, int]:
        """How many read each of the site's pages now, by counter key (pages nobody reads left out)."""
        prefix = site + "#"
        pages: dict[str, int] = {}
        for page_key, connection_ids in self.by_page.items():
            if page_key.startswith(prefix):
                reading = self.reading(c for c in connection_ids if self.is_open(c, now))
                if reading:
                    pages[page_key] = reading
        return pages

    def forget_closed(self, now: float) -> None:
        """Drop what can no longer matter, so that memory stays bounded by the open connections."""
        for connection_id in [c for c, arrival in self.latest.items() if arrival.expires_at <= now]:
            self._forget(connection_id)
        for connection_id in [c for c, until in self.gone.items() if until <= now]:
            del self.gone[connection_id]
        for page_key in [p for p, readers in self.by_page.items() if not readers]:
            del self.by_page[page_key]
            self.page_active_ms.pop(page_key, None)


class ReaderLog:
    """The Readers table as one warm instance sees it: what it writes, what it has read of
    other instances' entries, and the connections it found closed, for its next entry."""

    def __init__(self, table: ReadersTable, *, read_every_seconds: float = 2.0) -> None:
        self.table = table
        self.index = ReaderIndex()
        self.read_every_seconds = read_every_seconds
        self._found_gone: set[str] = set()
        self._read_at = float("-inf")

    def write(self, arrived: Mapping[str, Arrival], now: int, replaced: Iterable[str] = ()) -> None:
        """One entry: these arrivals (and the connections they replace), and the connections
        found closed since the last one."""
        entry = ReaderEntry(now * 1000, dict(arrived), frozenset(self._found_gone), frozenset(replaced))
        self.table.write(entry)
        self._found_gone = set()
        self.index.note(entry)

    def refresh(self, now: int) -> None:
        """Read other instances' entries, at most every `read_every_seconds`."""
        if now - self._read_at >= self.read_every_seconds:
            self.index.catch_up(self.table, now)
            self._read_at = now

    def left(self, connection_ids: Iterable[str], now: int) -> None:
        """Connections a push or a probe found closed."""
        connection_ids = set(connection_ids)
        self.index.note_gone(connection_ids, now)
        self._found_gone |= connection_ids

    def readers(self, page_key: str, now: int) -> list[str]:
        return self.index.readers(page_key, now)

    @property
    def moved_on(self) -> AbstractSet[str]:
        """Connections still pushed but not counted as reading (a view, not a copy)."""
        return self.index.replaced

    def reading_site(self, site: str, now: int) -> int:
        return self.index.reading_site(site, now)
