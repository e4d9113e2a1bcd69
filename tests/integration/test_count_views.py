"""The counting function: exact counts under redelivery, one push per page per batch."""

from __future__ import annotations

import copy
import dataclasses
import time

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from tests.conftest import load_event, with_site
from viewcount_infra.topology import COUNT_VIEWS


@pytest.fixture
def counter(aws):
    return aws.handler(COUNT_VIEWS)


def on_site(page_key):
    """The test site's counter of a page (`post#x`), or its site item (`site`)."""
    return f"blog#{page_key}"


def counts(aws, page_key):
    item = aws.item("counts", {"pageKey": on_site(page_key)})
    return (int(item["totalViews"]["N"]), int(item["uniqueViews"]["N"])) if item else None


def referrals(aws, prefix="referrer:"):
    return {
        (item["pageKey"]["S"].removeprefix("blog#"), name.removeprefix(prefix)): int(value["N"])
        for item in aws.scan("counts")
        for name, value in item.items()
        if name.startswith(prefix)
    }


def record_keys(counter, operation="UpdateItem"):
    """The keys of the counting function's calls of `operation`, as they are made."""
    keys = []
    counter.dynamodb.meta.events.register(
        f"before-parameter-build.dynamodb.{operation}",
        lambda params, **_: keys.append(params.get("Key", params.get("Item"))),
    )
    return keys


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


def batch(*sequence_numbers):
    """The sample batch (or the records with these sequence numbers), its views made today
    (the test site's day is UTC's) and its readers connected just now."""
    event = load_event("ddb_stream_visitor_days.json")
    if sequence_numbers:
        event["Records"] = [r for r in event["Records"] if int(r["dynamodb"]["SequenceNumber"]) in sequence_numbers]
    for record in event["Records"]:
        image = record["dynamodb"]["NewImage"]
        image.update(connectedAt={"N": str(int(time.time()) - 60)}, day={"S": today()})
    return event


EXPECTED = {"post#hello-world": (3, 2), "page#Home_Page": (1, 1), "post#second-post": (1, 1), "site": (5, 4)}


def assert_exact(aws):
    assert {key: counts(aws, key) for key in EXPECTED} == EXPECTED
    assert referrals(aws) == {("post#hello-world", "news.ycombinator.com"): 2, ("page#Home_Page", "reddit.com"): 1}
    assert referrals(aws, "utm_source:") == {("post#hello-world", "newsletter"): 2}


def test_a_batch_is_counted_with_one_update_per_counter(aws, counter, context):
    updates, puts = record_keys(counter), record_keys(counter, "PutItem")

    response = counter.handler(batch(), context)

    assert response == {"batchItemFailures": [], "state": {}}
    assert_exact(aws)
    # 3 pages (with their referrer hosts and their day's views), the site; and, once in a
    # page's life, its entry in the site's pages index (and the Readers log's entry).
    assert len(updates) == 4
    assert [key for key in puts if "key" in key] == [
        {"siteDay": {"S": "blog#pages"}, "key": {"S": part}}
        for part in ("post#hello-world", "page#Home_Page", "post#second-post")
    ]
    assert aws.item("counts", {"pageKey": on_site("post#hello-world")})["articleTitle"]["S"] == "Hello, world"

    updates.clear(), puts.clear()
    later = batch()
    for record in later["Records"]:
        record["dynamodb"]["SequenceNumber"] = str(int(record["dynamodb"]["SequenceNumber"]) + 100)
    counter.handler(later, context)
    # The counters note they are listed with this batch's writes, which were made anyway.
    assert len(updates) == 4 and [key for key in puts if "key" in key] == []
    assert aws.item("counts", {"pageKey": on_site("post#hello-world")})["listed"] == {"BOOL": True}


def test_every_reader_of_a_page_gets_one_push_with_page_and_site_counts(aws, counter, context):
    counter.handler(batch(), context)

    expected = {
        "message": "views",
        "articleId": "hello-world",
        "totalViews": 3,
        "uniqueViews": 2,
        "readingNow": 2,
        # Four connections read some page of the site.
        "site": {"totalViews": 5, "uniqueViews": 4, "readingNow": 4},
    }
    assert aws.sent_frames("reader-a=") == [expected]
    assert aws.sent_frames("reader-b=") == [expected]
    assert aws.sent_frames("home-reader=")[0]["pageName"] == "Home_Page"
    assert aws.sent_frames("reader-c=")[0]["readingNow"] == 1


@pytest.mark.parametrize(
    "deliveries",
    [
        pytest.param([(100, 101, 102, 103, 104)] * 2, id="the whole batch again"),
        pytest.param([(100, 101), (100, 101, 102, 103, 104)], id="a retry from the start after a partial success"),
        pytest.param([(100, 101, 102, 103, 104), (102, 103, 104)], id="a retry from the first failed record"),
        pytest.param([(100, 101, 102), (100, 101), (102,), (103, 104)], id="a bisected retry"),
    ],
)
def test_redelivered_records_are_counted_once(aws, counter, context, deliveries):
    for sequence_numbers in deliveries:
        assert counter.handler(batch(*sequence_numbers), context)["batchItemFailures"] == []

    assert_exact(aws)


def test_a_failed_write_reports_its_records_and_their_retry_counts_them_once(aws, counter, context):
    calls = []

    def throttle_home(params, **_):
        if params["Key"]["pageKey"]["S"] == on_site("page#Home_Page") and not calls:
            calls.append(params)
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "UpdateItem")

    counter.dynamodb.meta.events.register("before-parameter-build.dynamodb.UpdateItem", throttle_home)

    response = counter.handler(batch(), context)

    assert response["batchItemFailures"] == [{"itemIdentifier": "101"}]
    assert counts(aws, "page#Home_Page") is None
    # Lambda delivers again from the first failed record; the later ones were counted already.
    counter.handler(batch(101, 102, 103, 104), context)
    assert_exact(aws)


def test_a_crash_between_writes_is_mended_by_the_retry(aws, counter, context):
    writes = []

    def crash_after_two_writes(**_):
        writes.append(1)
        if len(writes) == 3:
            raise RuntimeError("the function died")

    counter.dynamodb.meta.events.register("before-call.dynamodb.UpdateItem", crash_after_two_writes)
    counter.handler(batch(), context)
    counter.dynamodb.meta.events.unregister("before-call.dynamodb.UpdateItem", crash_after_two_writes)

    counter.handler(batch(), context)

    assert_exact(aws)


def test_a_later_view_cannot_rename_an_article(aws, counter, context):
    counter.handler(batch(100), context)
    renamed = batch(102)
    renamed["Records"][0]["dynamodb"]["NewImage"]["articleTitle"] = {"S": "Buy cheap pills"}

    counter.handler(renamed, context)

    assert aws.item("counts", {"pageKey": on_site("post#hello-world")})["articleTitle"]["S"] == "Hello, world"


def push_with_reader_a_gone(counter, context):
    """Count view 102 (reader-b) while reader-a, who viewed earlier, has closed its connection."""
    frames = {}
    with Stubber(counter.management_api) as stub:
        stub.add_client_error("get_connection", "GoneException", http_status_code=410)
        stub.add_response("post_to_connection", {}, {"ConnectionId": "reader-b=", "Data": ANY})
        counter.management_api.meta.events.register(
            "before-parameter-build.apigatewaymanagementapi.PostToConnection",
            lambda params, **_: frames.setdefault(params["ConnectionId"], params["Data"]),
        )
        response = counter.handler(batch(102), context)
    assert response["batchItemFailures"] == []
    return frames


def log_entries(aws):
    """The Readers log, oldest entry first."""
    from viewcount.tables.readers import entry_of

    return sorted((entry_of(item) for item in aws.scan("readers")), key=lambda entry: entry.written_ms)


def test_a_reader_who_left_is_neither_pushed_to_nor_counted_as_reading(aws, counter, context):
    counter.handler(batch(100), context)  # reader-a reads hello-world

    frames = push_with_reader_a_gone(counter, context)

    assert list(frames) == ["reader-b="]
    assert b'"readingNow":1' in frames["reader-b="]


def test_a_reader_found_gone_is_logged_for_the_other_instances(aws, counter, context):
    counter.handler(batch(100), context)
    push_with_reader_a_gone(counter, context)
    counter.handler(batch(103), context)  # the next batch's entry names who left

    assert "reader-a=" in log_entries(aws)[-1].gone
    other_instance = aws.handler(COUNT_VIEWS)
    later = batch(102)
    later["Records"][0]["dynamodb"]["SequenceNumber"] = "105"
    later["Records"][0]["dynamodb"]["NewImage"]["viewId"] = {"S": "v5"}
    other_instance.handler(later, context)
    # The other instance read the log: reader-a is neither pushed nor counted as reading.
    assert len(aws.sent_frames("reader-a=")) == 1
    assert aws.sent_frames("reader-b=")[-1]["readingNow"] == 1


def test_a_push_that_fails_otherwise_is_retried_without_counting_again(aws, counter, context):
    with Stubber(counter.management_api) as stub:
        stub.add_client_error("post_to_connection", "InternalServerError", http_status_code=500)
        response = counter.handler(batch(103), context)

    assert response["batchItemFailures"] == [{"itemIdentifier": "103"}]
    assert counter.handler(batch(103), context)["batchItemFailures"] == []
    assert counts(aws, "post#second-post") == (1, 1)
    assert aws.sent_frames("reader-c=")[0]["totalViews"] == 1


def test_positions_of_shards_older_than_the_stream_are_dropped(aws, counter, context):
    old = batch(100)
    old["shardId"] = "shardId-old"
    counter.handler(old, context)
    item = aws.item("counts", {"pageKey": on_site("post#hello-world")})
    sequence, _ = item["position:shardId-old"]["S"].split("|")
    aws.dynamodb.update_item(
        TableName=aws.resources.table_names["counts"],
        Key={"pageKey": {"S": on_site("post#hello-world")}},
        UpdateExpression="SET #p = :p",
        ExpressionAttributeNames={"#p": "position:shardId-old"},
        ExpressionAttributeValues={":p": {"S": f"{sequence}|1000"}},
    )

    counter.handler(batch(102), context)

    item = aws.item("counts", {"pageKey": on_site("post#hello-world")})
    assert "position:shardId-old" not in item
    assert int(item["totalViews"]["N"]) == 2


def test_a_record_that_is_no_view_is_reported_and_skipped(aws, counter, context, caplog):
    event = batch(100, 103)
    del event["Records"][0]["dynamodb"]["NewImage"]["pageKey"]

    response = counter.handler(event, context)

    assert response["batchItemFailures"] == []
    assert counts(aws, "post#second-post") == (1, 1)
    assert counts(aws, "post#hello-world") is None
    assert "visitor day records without a view" in caplog.text


def test_a_key_only_image_is_no_view_and_no_error(aws, counter, context, caplog):
    # moto streams a key-only INSERT before the item an update creates.
    event = batch(100, 103)
    record = event["Records"][0]["dynamodb"]
    record["NewImage"] = dict(record["Keys"])

    response = counter.handler(event, context)

    assert response["batchItemFailures"] == []
    assert counts(aws, "site") == (1, 1) and "without a view" not in caplog.text


def visitor_views(*pages):
    """One visitor's views of `pages` in one day, as its item's stream records them: each
    record's old image is the item before that view."""
    event = batch(100)
    template = event["Records"][0]
    event["Records"] = []
    item = {"visitorDay": {"S": "blog#2026-11-29#" + "f" * 32}}
    for index, (page_key, unique) in enumerate(pages):
        record = copy.deepcopy(template)
        token = page_key.encode().hex()[:16]
        old = copy.deepcopy(item)
        item["views"] = {"SS": [*item.get("views", {}).get("SS", []), f"{index:012d}"]}
        item[f"p:{token}"] = {"N": str(int(item.get(f"p:{token}", {}).get("N", "0")) + 1)}
        if unique:
            item["uniques"] = {"SS": sorted({*item.get("uniques", {}).get("SS", []), token})}
        new = {
            **template["dynamodb"]["NewImage"],
            **item,
            "pageKey": {"S": on_site(page_key)},
            "pageToken": {"S": token},
        }
        new["unique"] = {"BOOL": unique}
        record["eventName"] = "MODIFY" if index else "INSERT"
        record["dynamodb"] = {**record["dynamodb"], "Keys": {"visitorDay": item["visitorDay"]}, "NewImage": new}
        record["dynamodb"]["SequenceNumber"] = str(200 + index)
        if index:
            record["dynamodb"]["OldImage"] = old
        event["Records"].append(record)
    return event


def test_a_reader_of_six_pages_is_one_site_unique(aws, counter, context):
    pages = ["path#/", "path#/tags/x", "path#/archives", "post#x", "path#/about", "path#/tags/x", "path#/2026/x"]

    counter.handler(visitor_views(*((page, True) for page in pages)), context)

    assert counts(aws, "site") == (7, 1)
    # A page's unique views grow once per visitor: /tags/x twice is one unique.
    assert counts(aws, "path#/tags/x") == (2, 1)
    assert counts(aws, "post#x") == (1, 1)


def test_a_reload_is_never_unique_and_leaves_the_visitors_first_other_view_unique(aws, counter, context):
    views = (("post#x", False), ("post#x", True), ("post#y", True), ("post#y", False))

    counter.handler(visitor_views(*views), context)

    # The first view that is not a reload is the unique one, of its page and of the site.
    assert counts(aws, "post#x") == (2, 1)
    assert counts(aws, "post#y") == (2, 1)
    assert counts(aws, "site") == (4, 1)


def test_an_empty_final_window_invocation_answers_with_a_state(aws, counter, context):
    event = copy.deepcopy(batch())
    event.update(Records=[], isFinalInvokeForWindow=True)

    assert counter.handler(event, context) == {"batchItemFailures": [], "state": {}}


def test_an_event_without_a_shard_id_fails_instead_of_counting(aws, counter, context):
    event = batch()
    del event["shardId"]  # a mapping without its tumbling window

    with pytest.raises(KeyError):
        counter.handler(event, context)
    assert counts(aws, "site") is None


def test_a_full_page_counts_a_new_referrer_as_other(aws, counter, context):
    from viewcount.tables.page_counts import MAX_SOURCES_PER_PAGE

    hosts = {f"referrer:host{i}.example": {"N": "1"} for i in range(MAX_SOURCES_PER_PAGE)}
    aws.dynamodb.put_item(
        TableName=aws.resources.table_names["counts"], Item={"pageKey": {"S": on_site("post#hello-world")}, **hosts}
    )

    counter.handler(batch(), context)

    # A cold instance reads the page's counters first; news.ycombinator.com finds no place.
    item = aws.item("counts", {"pageKey": on_site("post#hello-world")})
    assert item["referrer:(other)"] == {"N": "2"} and "referrer:news.ycombinator.com" not in item
    assert item["utm_source:(other)"] == {"N": "2"}
    # Pages with room are unchanged.
    assert referrals(aws)[("page#Home_Page", "reddit.com")] == 1


def test_a_cold_instance_reads_a_pages_counters_only_for_views_that_bring_a_source(aws, counter, context):
    reads = record_keys(counter, "GetItem")

    counter.handler(batch(), context)

    # (A cold instance also reads the site's page count once, for the page limit.)
    read_pages = {key["pageKey"]["S"].removeprefix("blog#") for key in reads} - {"site"}
    # hello-world's views bring referrers and a campaign, and the home page's a referrer;
    # second-post's view brings neither, so its cap needs no look at the item.
    assert read_pages == {"post#hello-world", "page#Home_Page"}
    assert_exact(aws)


def path_batch(*page_keys):
    """The sample batch with its records' pages replaced by `page_keys`, in order."""
    event = batch()
    for record, page_key in zip(event["Records"], page_keys, strict=True):
        image = record["dynamodb"]["NewImage"]
        image["pageKey"] = {"S": on_site(page_key)}
        image.pop("articleTitle", None)
    return event


@pytest.fixture
def limited_counter(aws):
    aws.config = with_site(aws.config, page_limit=2)
    return aws.handler(COUNT_VIEWS)


def test_past_the_page_limit_a_new_page_counts_in_other(aws, limited_counter, context):
    limited_counter.handler(path_batch("path#/a", "path#/b", "path#/c", "path#/a", "page#Home_Page"), context)

    assert {key: counts(aws, key) for key in ("path#/a", "path#/b", "path#/c", "page#(other)", "site")} == {
        "path#/a": (2, 2),
        "path#/b": (1, 1),
        "path#/c": None,
        "page#(other)": (1, 0),
        "site": (5, 4),
    }
    assert aws.item("counts", {"pageKey": on_site("site")})["pages"] == {"N": "2"}
    # The named pages are not limited; the reader of /c is pushed the counts it went into.
    assert counts(aws, "page#Home_Page") == (1, 1)
    assert aws.sent_frames("reader-b=") == [
        {
            "message": "views",
            "pageName": "(other)",
            "totalViews": 1,
            "uniqueViews": 0,
            "readingNow": 1,
            "site": {"totalViews": 5, "uniqueViews": 4, "readingNow": 4},
        }
    ]
    assert aws.sent_frames("reader-c=")[-1]["path"] == "/a"


def test_the_page_limit_holds_across_batches_and_instances_and_redelivery(aws, limited_counter, context):
    limited_counter.handler(path_batch("path#/a", "path#/b", "path#/a", "path#/a", "path#/a"), context)
    second_instance = aws.handler(COUNT_VIEWS)
    later = path_batch("path#/c", "path#/d", "path#/b", "path#/c", "path#/d")
    for record in later["Records"]:
        record["dynamodb"]["SequenceNumber"] = str(int(record["dynamodb"]["SequenceNumber"]) + 100)

    second_instance.handler(later, context)
    second_instance.handler(later, context)  # redelivered whole

    assert counts(aws, "path#/c") is None and counts(aws, "path#/d") is None
    assert counts(aws, "page#(other)") == (4, 4)
    assert counts(aws, "path#/b") == (2, 1)
    assert counts(aws, "site") == (10, 8)


def test_a_page_that_exists_keeps_counting_past_the_limit(aws, limited_counter, context):
    table = aws.resources.table_names["counts"]
    aws.dynamodb.put_item(TableName=table, Item={"pageKey": {"S": on_site("site")}, "pages": {"N": "5"}})
    aws.dynamodb.put_item(TableName=table, Item={"pageKey": {"S": on_site("path#/a")}, "totalViews": {"N": "7"}})

    limited_counter.handler(path_batch("path#/a", "path#/b", "path#/a", "path#/a", "path#/a"), context)

    assert counts(aws, "path#/a")[0] == 11
    assert counts(aws, "path#/b") is None and counts(aws, "page#(other)") == (1, 1)


def one_view(sequence, page_key, connection_id):
    event = batch(100)
    record = event["Records"][0]["dynamodb"]
    record["SequenceNumber"] = str(sequence)
    record["NewImage"].update(pageKey={"S": on_site(page_key)}, connectionId={"S": connection_id})
    record["NewImage"].pop("articleTitle", None)
    return event


def test_a_reader_who_moved_to_another_page_is_no_longer_pushed_the_first(aws, counter, context):
    # An SPA's navigation: one connection views /a, then /b; then someone else views /a.
    counter.handler(one_view(300, "path#/a", "spa="), context)
    counter.handler(one_view(301, "path#/b", "spa="), context)
    counter.handler(one_view(302, "path#/a", "other="), context)

    # The SPA's page now shows /b's numbers: a push of /a's would overwrite them.
    assert [frame.get("path") for frame in aws.sent_frames("spa=")] == ["/a", "/b"]
    # Nor does it read /a any more.
    assert aws.sent_frames("other=")[-1]["readingNow"] == 1
    # An instance that knows only the log knows it too.
    aws.handler(COUNT_VIEWS).handler(one_view(303, "path#/a", "other="), context)
    assert [frame.get("path") for frame in aws.sent_frames("spa=")] == ["/a", "/b"]


def test_a_visitors_new_connection_replaces_the_old_one_in_reading_now(aws, counter, context):
    # A multi-page blog: each page load is a new connection of the same visitor.
    event = visitor_views(("path#/a", True), ("path#/b", True))
    for record, connection_id in zip(event["Records"], ("load-1=", "load-2="), strict=True):
        record["dynamodb"]["NewImage"]["connectionId"] = {"S": connection_id}
    event["Records"][1]["dynamodb"]["OldImage"]["connectionId"] = {"S": "load-1="}

    counter.handler(event, context)

    assert aws.sent_frames("load-2=")[-1]["site"]["readingNow"] == 1
    # The first page's connection is still told its page's counts (it may be another tab),
    # but is not counted as reading it.
    assert aws.sent_frames("load-1=")[-1]["readingNow"] == 0


def test_a_visitors_beacon_view_neither_replaces_their_socket_nor_counts_as_reading(aws, counter, context):
    # The same visitor reads /a over a WebSocket, then a view of /b comes by beacon (HTTP):
    # it has no connection (an empty connectionId), so /a's socket is still that visitor's.
    event = visitor_views(("path#/a", True), ("path#/b", True))
    event["Records"][0]["dynamodb"]["NewImage"]["connectionId"] = {"S": "socket="}
    event["Records"][1]["dynamodb"]["NewImage"]["connectionId"] = {"S": ""}
    event["Records"][1]["dynamodb"]["OldImage"]["connectionId"] = {"S": "socket="}

    counter.handler(event, context)

    assert counts(aws, "path#/a") == (1, 1) and counts(aws, "path#/b") == (1, 1)
    assert aws.sent_frames("socket=")[-1]["readingNow"] == 1
    assert aws.sent_frames("socket=")[-1]["site"]["readingNow"] == 1
    [entry] = log_entries(aws)
    assert set(entry.arrived) == {"socket="} and not entry.replaced


def test_two_sites_in_one_batch_keep_their_own_totals_readers_and_page_limits(aws, context):
    from viewcount.sites import Site, SiteOrigin, Sites

    notes = Site("notes", (SiteOrigin.parse("https://notes.example.com"),), page_limit=1)
    aws.config = dataclasses.replace(aws.config, sites=Sites((aws.config.sites.default, notes)))
    counter = aws.handler(COUNT_VIEWS)
    event = path_batch("path#/a", "path#/b", "path#/a", "path#/a", "path#/c")
    for record in event["Records"][3:]:
        image = record["dynamodb"]["NewImage"]
        image.update(pageKey={"S": image["pageKey"]["S"].replace("blog#", "notes#")}, site={"S": "notes"})

    counter.handler(event, context)

    # blog: /a twice, /b; notes: /a, and /c past its limit of one page.
    assert (counts(aws, "site"), aws.item("counts", {"pageKey": "notes#site"})["totalViews"]) == ((3, 2), {"N": "2"})
    assert counts(aws, "path#/a") == (2, 1)
    assert aws.item("counts", {"pageKey": "notes#path#/a"})["totalViews"] == {"N": "1"}
    assert aws.item("counts", {"pageKey": "notes#page#(other)"})["totalViews"] == {"N": "1"}
    # Each site's reading now counts its own readers only: home-reader and reader-b on blog;
    # reader-c and reader-a (which moved on to notes) on notes.
    assert aws.sent_frames("reader-b=")[-1]["site"] == {"totalViews": 3, "uniqueViews": 2, "readingNow": 2}
    assert aws.sent_frames("reader-c=")[-1]["site"] == {"totalViews": 2, "uniqueViews": 2, "readingNow": 2}


def test_a_view_of_a_site_taken_out_of_the_settings_is_reported_and_does_not_block_the_stream(aws, counter, context):
    event = batch()
    event["Records"][0]["dynamodb"]["NewImage"]["site"] = {"S": "gone"}

    response = counter.handler(event, context)

    assert response["batchItemFailures"] == []
    assert counts(aws, "site") == (4, 3)  # the other four views
