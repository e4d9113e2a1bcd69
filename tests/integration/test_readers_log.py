"""The Readers log in DynamoDB: another instance reads one writer's entries in the order they
were written, however many it writes in one second."""

from __future__ import annotations

from viewcount.tables.readers import Arrival, ReaderEntry, ReaderIndex, ReadersTable

NOW = 1_800_000_000


def test_entries_written_in_one_second_are_read_back_in_the_order_written(aws):
    table = ReadersTable(aws.dynamodb, aws.resources.table_names["readers"])
    # One connection moving through twelve pages within one second: its last page is where it reads.
    for page in range(12):
        table.write(ReaderEntry(NOW * 1000, {"c1": Arrival(f"blog#path#/p{page}", NOW + 7200)}))

    index = ReaderIndex()
    index.catch_up(table, NOW + 1)

    assert index.readers("blog#path#/p11", NOW + 1) == ["c1"]
    assert all(index.readers(f"blog#path#/p{page}", NOW + 1) == [] for page in range(11))
