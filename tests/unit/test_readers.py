"""The Readers log's items and one instance's index of it."""

from __future__ import annotations

import json

from viewcount.tables.readers import (
    IDLE_SECONDS,
    MAX_ENTRY_BYTES,
    Arrival,
    ReaderEntry,
    ReaderIndex,
    entry_items,
    entry_of,
)

NOW = 1_800_000_000


def arrivals(count: int, page_key: str = "blog#post#x") -> dict[str, Arrival]:
    return {f"conn-{i:010d}=": Arrival(page_key, NOW + 7200) for i in range(count)}


def test_an_entry_of_any_size_is_written_as_items_of_bounded_size_and_reads_back_whole():
    entry = ReaderEntry(NOW * 1000, arrivals(20_000), frozenset(f"gone-{i:09d}=" for i in range(3_000)))

    items = list(entry_items(entry, "w1"))

    assert len(items) > 1
    # Each item stays far below DynamoDB's 400 KB, so no crowd can make a write fail.
    assert max(len(json.dumps(item)) for item in items) < 2 * MAX_ENTRY_BYTES
    assert len({item["entry"]["S"] for item in items}) == len(items)
    read = [entry_of(item) for item in items]
    assert {c: a for e in read for c, a in e.arrived.items()} == entry.arrived
    assert frozenset().union(*(e.gone for e in read)) == entry.gone


def test_a_connections_latest_page_wins_and_its_earlier_page_loses_it():
    index = ReaderIndex()
    index.note(ReaderEntry(NOW * 1000, {"c1": Arrival("blog#path#/a", NOW + 7200)}))
    index.note(ReaderEntry(NOW * 1000 + 5, {"c1": Arrival("blog#path#/b", NOW + 7200)}))
    # An older entry read late (another instance's, through the read overlap) changes nothing.
    index.note(ReaderEntry(NOW * 1000 + 1, {"c1": Arrival("blog#path#/a", NOW + 7200)}))

    assert index.readers("blog#path#/a", NOW) == []
    assert index.readers("blog#path#/b", NOW) == ["c1"]


def test_a_connection_found_gone_never_reads_again():
    index = ReaderIndex()
    index.note(
        ReaderEntry(NOW * 1000, {"c1": Arrival("blog#path#/a", NOW + 7200), "c2": Arrival("blog#path#/a", NOW + 7200)})
    )

    index.note(ReaderEntry(NOW * 1000 + 1, {}, frozenset({"c1"})))
    index.note(ReaderEntry(NOW * 1000, {"c1": Arrival("blog#path#/a", NOW + 7200)}))  # read again, late

    assert index.readers("blog#path#/a", NOW) == ["c2"]
    assert index.reading_site("blog", NOW) == 1


def test_a_connection_is_closed_past_its_lifetime_or_after_ten_quiet_minutes():
    index = ReaderIndex()
    index.note(
        ReaderEntry(
            NOW * 1000, {"old": Arrival("blog#path#/a", NOW + 60), "quiet": Arrival("blog#path#/q", NOW + 7200)}
        )
    )
    index.note(ReaderEntry((NOW + 300) * 1000, {"busy": Arrival("blog#path#/a", NOW + 7200)}))

    later = NOW + IDLE_SECONDS + 1
    # "old" reached API Gateway's 2 h limit. "quiet" sent nothing and its page gained no
    # view to push it for ten minutes: API Gateway has closed it.
    assert index.readers("blog#path#/a", later) == ["busy"]
    assert index.readers("blog#path#/q", later) == []
    assert index.reading_site("blog", later) == 1


def test_a_reader_of_a_page_that_keeps_being_viewed_stays_open():
    index = ReaderIndex()
    index.note(ReaderEntry(NOW * 1000, {"reader": Arrival("blog#path#/a", NOW + 7200)}))
    index.note(ReaderEntry((NOW + 500) * 1000, {"viewer": Arrival("blog#path#/a", NOW + 7200)}))

    # Each view of the page pushed "reader", which keeps its connection alive.
    assert index.readers("blog#path#/a", NOW + IDLE_SECONDS + 60) == ["reader", "viewer"]


def test_forgetting_what_closed_keeps_the_index_bounded():
    index = ReaderIndex()
    index.note(ReaderEntry(NOW * 1000, {"c1": Arrival("blog#path#/a", NOW + 60)}, frozenset({"c0"})))

    index.forget_closed(NOW + 7201)

    assert not index.latest and not index.gone and not index.by_page


def test_a_connection_its_visitor_replaced_is_pushed_but_not_counted_as_reading():
    index = ReaderIndex()
    index.note(ReaderEntry(NOW * 1000, {"page-1": Arrival("blog#path#/a", NOW + 7200)}))
    # The same visitor's next page load, on a new connection; the stream's old image names the old one.
    index.note(
        ReaderEntry(NOW * 1000 + 5, {"page-2": Arrival("blog#path#/b", NOW + 7200)}, replaced=frozenset({"page-1"}))
    )

    assert index.readers("blog#path#/a", NOW) == ["page-1"]  # perhaps another tab: still pushed
    assert index.reading(index.readers("blog#path#/a", NOW)) == 0
    assert index.reading_site("blog", NOW) == 1
    # It views again (an SPA's navigation in that tab): it reads again.
    index.note(ReaderEntry(NOW * 1000 + 9, {"page-1": Arrival("blog#path#/c", NOW + 7200)}))
    assert index.reading_site("blog", NOW) == 2


def test_reading_now_on_a_site_counts_only_that_sites_readers():
    index = ReaderIndex()
    index.note(
        ReaderEntry(NOW * 1000, {"a": Arrival("blog#path#/x", NOW + 7200), "b": Arrival("notes#path#/x", NOW + 7200)})
    )

    assert (index.reading_site("blog", NOW), index.reading_site("notes", NOW), index.reading_site("bl", NOW)) == (
        1,
        1,
        0,
    )
