"""One dashboard load's DynamoDB calls and read units, counted on small seeded moto tables:
the calls are the ones the code must make, priced by DynamoDB's rules, and a Scan fails."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from benchmark import dashboard_cost as dc
from local_stack.metering import item_size
from viewcount.sites import days_between, shift_day
from viewcount.tables.history import HistoryTable
from viewcount.tables.readers import CONNECTION_LIFETIME_SECONDS, READ_OVERLAP_MS, SLOT_SECONDS

SMALL = dc.Scenario(pages=20, days=3, views_per_day=1_000, readers=2)
# More than 100 counters: two BatchGetItem calls for them.
LONG_TAIL = dc.Scenario(pages=150, days=2, views_per_day=300, every_page_every_day=False, readers=0)


@dataclasses.dataclass
class Measured:
    seeded: dc.Seeded
    load: dc.Load
    now: int
    day_bytes: dict[str, int]  # each History day partition's items, summed, as stored


def measured(scenario: dc.Scenario) -> Measured:
    with dc.moto_tables(scenario) as bench:
        seeded = dc.seed(bench)
        load = dc.measure(bench, runs=1)
        day_bytes = {
            f"blog#{day}": sum(item_size(item) for item in bench.history.day("blog", day).values())
            for day in bench.days()
        }
    return Measured(seeded, load, bench.now, day_bytes)


@pytest.fixture(scope="module")
def small() -> Measured:
    return measured(SMALL)


@pytest.fixture(scope="module")
def long_tail() -> Measured:
    return measured(LONG_TAIL)


def calls_of(load: dc.Load, request: str) -> list[dc.Call]:
    return [call for call in load.calls if call.request == request]


def operations(calls: list[dc.Call]) -> list[str]:
    return sorted(call.operation for call in calls)


def test_every_page_every_day_is_seeded_as_the_counting_function_leaves_it(small):
    seeded = small.seeded

    assert seeded.page_days == SMALL.pages * 2 * SMALL.days
    # Every finished day moved to History, pages' and the site's; today's still on the counters.
    assert seeded.history_items == (SMALL.pages + 1) * (2 * SMALL.days - 1)
    assert seeded.counters == SMALL.pages + 1 and seeded.bot_days > 0
    assert 0 < seeded.today_views < seeded.views


def test_stats_queries_each_day_of_the_range_and_of_the_previous_period_once(small):
    seeded, load = small.seeded, small.load
    stats = calls_of(load, dc.STATS_ROUTE)

    day_queries = [c.target for c in stats if c.operation == "Query" and not c.target.endswith("#pages")]
    index_queries = [c for c in stats if c.operation == "Query" and c.target == "blog#pages"]

    days = days_between(shift_day(seeded.today, 1 - SMALL.days), seeded.today)
    assert sorted(day_queries) == [f"blog#{day}" for day in days]
    assert {c.table for c in stats if c.operation == "Query"} == {"history"}
    # The range is read page by page (the lists need them), the period before by key (its
    # totals only): the pages index once.
    assert len(index_queries) == 1


def test_stats_reads_counters_and_bot_days_by_batches_of_100_and_nothing_else(small):
    load = small.load
    stats = calls_of(load, dc.STATS_ROUTE)

    batches = sorted(c.target for c in stats if c.operation == "BatchGetItem")

    counters = SMALL.pages + 1  # the pages' and the site's
    in_range = [f"{counters} keys"] * math.ceil(counters / 100) + [f"{SMALL.days} keys"]
    # The period before: the site's days, then its counter with its bot days.
    before = [f"{SMALL.days} keys", f"{SMALL.days + 1} keys"]
    assert batches == sorted(in_range + before)
    # The owner's key is compared before anything is read: no GetItem, no write.
    assert operations(stats) == sorted(["BatchGetItem"] * 4 + ["Query"] * (SMALL.days + 1))
    assert sum(c.wru for c in stats) == 0


def test_more_than_100_counters_take_two_batches_a_period(long_tail):
    seeded, load = long_tail.seeded, long_tail.load
    stats = calls_of(load, dc.STATS_ROUTE)

    batches = sorted(c.target for c in stats if c.operation == "BatchGetItem")

    assert seeded.counters == LONG_TAIL.pages + 1 == 151
    days = LONG_TAIL.days
    assert batches == sorted(["100 keys", "51 keys", f"{days} keys", f"{days} keys", f"{days + 1} keys"])
    # The long tail reads fewer pages a day than it has.
    assert seeded.page_days < LONG_TAIL.pages * 2 * LONG_TAIL.days


def test_read_units_follow_the_items_read(small):
    seeded, load = small.seeded, small.load
    stats = calls_of(load, dc.STATS_ROUTE)

    # Every counter and bot item is under 4 KB: 0.5 RRU a key, found or not.
    assert seeded.counter_bytes_max < 4096
    batches = [c for c in stats if c.operation == "BatchGetItem"]
    assert [c.rru for c in batches] == [0.5 * int(c.target.split()[0]) for c in batches]
    # A day's Query: its items' sizes summed, then 0.5 RRU per 4 KB started. A finished day
    # holds 21 items of 100-300 bytes: more than 4 KB, so more than one item's 0.5.
    queried = {c.target: c.rru for c in stats if c.operation == "Query" and c.target != "blog#pages"}
    in_range = {f"blog#{day}" for day in days_between(shift_day(seeded.today, 1 - SMALL.days), seeded.today)}
    assert queried == {
        day: 0.5 * max(1, math.ceil(size / 4096)) for day, size in small.day_bytes.items() if day in in_range
    }
    assert max(queried.values()) > 0.5
    # Today's day is still on the counters: its Query finds nothing, and costs 0.5.
    assert small.day_bytes[f"blog#{seeded.today}"] == 0 and queried[f"blog#{seeded.today}"] == 0.5


def test_sites_tickets_and_the_first_live_frame(small):
    load, now = small.load, small.now

    sites, tickets, watch = (calls_of(load, r) for r in (dc.SITES_ROUTE, dc.TICKETS_ROUTE, dc.WATCH))

    # The owner's key costs no read; a ticket is one write.
    assert sites == []
    assert [(c.operation, c.table, c.rru, c.wru) for c in tickets] == [("PutItem", "access", 0, 1)]
    # A fresh instance logs its watcher, reads the last 2 h of the readers log slot by slot,
    # and gets the site's counter and the pages read now in one BatchGetItem.
    since_ms = (now - CONNECTION_LIFETIME_SECONDS) * 1000 - READ_OVERLAP_MS
    slots = len(range(since_ms // 1000 // SLOT_SECONDS, now // SLOT_SECONDS + 1))
    assert operations(watch) == sorted(["PutItem", "BatchGetItem"] + ["Query"] * slots)
    [batch] = [c for c in watch if c.operation == "BatchGetItem"]
    assert (batch.target, batch.rru) == (f"{SMALL.readers + 1} keys", 0.5 * (SMALL.readers + 1))
    assert load.answers[dc.WATCH]["reading"] == SMALL.readers


def test_the_load_reads_what_was_seeded_and_the_check_would_tell(small):
    seeded, load = small.seeded, small.load

    dc.check_answers(seeded, load)

    with pytest.raises(AssertionError, match="read"):
        dc.check_answers(dataclasses.replace(seeded, previous_views=seeded.previous_views + 1), load)


def test_the_meter_prices_reads_and_writes_by_dynamodbs_rules():
    with dc.moto_tables(dc.Scenario(pages=1, days=1)) as bench:
        client, table = bench.dynamodb, bench.table_names["history"]

        def key(partition, sort="a"):
            return {"siteDay": {"S": partition}, "key": {"S": sort}}

        def item(partition, sort, size):  # `size` bytes, as item_size counts them
            return {**key(partition, sort), "filler": {"S": "x" * (size - len(partition) - len(sort) - 16)}}

        for partition, sort, size in [("big", "a", 5_000), ("big", "b", 5_000), ("small", "a", 100)]:
            client.put_item(TableName=table, Item=item(partition, sort, size))
        for sort in "abc":
            client.put_item(TableName=table, Item=item("three", sort, 1_500))

        def units(operation, **request):
            with bench.meter.counted("test"):
                getattr(client, operation)(**request)
            priced = bench.meter.calls.pop()
            return priced.rru, priced.wru

        def in_partition(partition, **more):
            return {
                "TableName": table,
                "KeyConditionExpression": "siteDay = :p",
                "ExpressionAttributeValues": {":p": {"S": partition}},
                **more,
            }

        def set_filler(partition, text):
            return {
                "TableName": table,
                "Key": key(partition),
                "UpdateExpression": "SET filler = :text",
                "ExpressionAttributeValues": {":text": {"S": text}},
            }

        assert units("get_item", TableName=table, Key=key("big")) == (1.0, 0)
        assert units("get_item", TableName=table, Key=key("big"), ConsistentRead=True) == (2.0, 0)
        assert units("get_item", TableName=table, Key=key("none")) == (0.5, 0)
        asked = {"Keys": [key("big"), key("small"), key("none")]}
        assert units("batch_get_item", RequestItems={table: asked}) == (1.0 + 0.5 + 0.5, 0)
        # Three items of 1,500 bytes: 4,500 bytes, rounded up once (not 3 x 0.5).
        assert units("query", **in_partition("three")) == (1.0, 0)
        assert units("query", **in_partition("nothing")) == (0.5, 0)
        # A read that projects is billed by the whole item.
        assert units("get_item", TableName=table, Key=key("big", "b"), ProjectionExpression="siteDay") == (1.0, 0)
        asked = {"Keys": [key("big", "b"), key("none")], "ProjectionExpression": "siteDay"}
        assert units("batch_get_item", RequestItems={table: asked}) == (1.0 + 0.5, 0)
        assert units("put_item", TableName=table, Item=item("new", "a", 1_500)) == (0, 2)
        # An update is priced by the larger of the item before and after it.
        assert units("update_item", **set_filler("small", "y" * 1_100)) == (0, 2)
        assert units("update_item", **set_filler("big", "z")) == (0, 5)
        # What these rules do not price fails rather than count as nothing.
        with pytest.raises(dc.UnpricedCall):
            units("query", **in_partition("three", ProjectionExpression="siteDay"))
        with pytest.raises(dc.UnpricedCall):
            units("batch_write_item", RequestItems={table: [{"PutRequest": {"Item": item("more", "a", 100)}}]})


def test_a_scan_fails_the_load(monkeypatch):
    with dc.moto_tables(dc.Scenario(pages=3, days=1, views_per_day=5, readers=0)) as bench:
        dc.seed(bench)

        def pages_by_scan(self, site):
            return [item["key"]["S"] for item in self._dynamodb.scan(TableName=self._table)["Items"]]

        monkeypatch.setattr(HistoryTable, "pages", pages_by_scan)

        with pytest.raises(dc.ScanRefused, match="Scan"):
            dc.measure(bench, runs=1)


def test_the_command_prints_a_table_or_json(capsys):
    assert dc.main(["--pages", "4", "--days", "1", "--views-per-day", "10", "--readers", "1", "--runs", "1"]) == 0
    table = capsys.readouterr().out

    assert dc.main(["--pages", "4", "--days", "1", "--views-per-day", "10", "--long-tail", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)

    assert "GET /dashboard/stats" in table and "USD" in table and table.splitlines()[-1].startswith("seconds")
    assert report["pages"] == 4 and report["runs"] == 3 and report["scenario"].startswith("long tail")
    requests = report["requests"]
    assert set(requests) == set(dc.REQUESTS)
    assert report["total"]["calls"] == sum(entry["calls"] for entry in requests.values())
    assert report["total"]["rru"] == sum(entry["rru"] for entry in requests.values())
    assert report["total"]["usd_rru"] == pytest.approx(report["total"]["rru"] * 0.125 / 1_000_000)
