"""The queue consumers: one conditional write per view in its visitor's day, whatever SQS
delivers twice, with the daily cap and the lateness rule."""

from __future__ import annotations

import copy
import dataclasses
import json
import time

import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from tests.conftest import load_event, with_site
from viewcount.sites import Sites
from viewcount.tables.visitor_days import ITEM_LIFETIME_SECONDS, logged_view, view_tag
from viewcount_infra.topology import RECORD_HOME_VIEWS, RECORD_POST_VIEWS

DAY = 86_400


def utc_day(epoch: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def start_of_day(epoch: int) -> int:
    return epoch - epoch % DAY


def fresh(event, *, viewed_at=None):
    """The sample event with its views made now (a view older than its day's item is dropped),
    on the test site's day then (UTC)."""
    viewed_at = int(time.time()) if viewed_at is None else viewed_at
    for record in event["Records"]:
        body = json.loads(record["body"])
        body.update(viewedAt=viewed_at, connectedAt=viewed_at - 1, day=utc_day(viewed_at))
        record["body"] = json.dumps(body)
    return event


def post_views():
    return fresh(load_event("sqs_post_views.json"))


def days(aws):
    return {item["visitorDay"]["S"]: item for item in aws.scan("visitor_days")}


def day_of(visitor):
    return f"blog#{utc_day(int(time.time()))}#{visitor}"


def test_each_view_is_one_write_in_its_visitors_day(aws, context):
    handler = aws.handler(RECORD_POST_VIEWS)
    writes = []
    handler.dynamodb.meta.events.register("before-call.dynamodb.*", lambda model, **_: writes.append(model.name))

    response = handler.handler(post_views(), context)

    assert response == {"batchItemFailures": []}
    assert sorted(writes) == ["PutItem", "UpdateItem", "UpdateItem", "UpdateItem"]
    items = days(aws)
    assert set(items) == {day_of("a" * 32), day_of("b" * 32), "view#v3"}
    visitor_a = items[day_of("a" * 32)]
    # Two views of two pages: both tags, a view count per page token, and the latest view.
    assert set(visitor_a["views"]["SS"]) == {view_tag("v0"), view_tag("v2")}
    assert (visitor_a["p:" + "1" * 16], visitor_a["p:" + "3" * 16]) == ({"N": "1"}, {"N": "1"})
    assert set(visitor_a["uniques"]["SS"]) == {"1" * 16, "3" * 16}
    # v1 is a reload: it counts toward its page's cap, and no page of its visitor is unique yet.
    visitor_b = items[day_of("b" * 32)]
    assert visitor_b["p:" + "2" * 16] == {"N": "1"} and "uniques" not in visitor_b
    assert visitor_a["pageKey"]["S"] == "blog#post#second-post" and visitor_a["articleTitle"]["S"] == "Second"
    assert (visitor_a["site"]["S"], visitor_a["day"]["S"]) == ("blog", utc_day(int(time.time())))
    # v0's campaign is not v2's: a view's record never carries an earlier view's attributes.
    assert "campaign" not in visitor_a
    assert int(visitor_a["expiresAt"]["N"]) == start_of_day(int(time.time())) + ITEM_LIFETIME_SECONDS
    # A view without a visitor (GPC) is an item of its own, holding no hash.
    unkeyed = items["view#v3"]
    assert "views" not in unkeyed and unkeyed["pageKey"]["S"] == "blog#post#hello-world"
    assert not {"sourceIp", "userAgent", "viewId"} & {name for item in items.values() for name in item}


def test_a_redelivered_batch_writes_nothing(aws, context):
    handler = aws.handler(RECORD_POST_VIEWS)
    event = post_views()
    handler.handler(event, context)
    first = days(aws)

    response = handler.handler(event, context)

    assert response == {"batchItemFailures": []}
    assert days(aws) == first


def test_two_deliveries_in_one_batch_are_one_view_and_both_succeed(aws, context):
    event = post_views()
    again = copy.deepcopy(event["Records"][0])
    again["messageId"] = "m0-again"
    event["Records"].append(again)

    response = aws.handler(RECORD_POST_VIEWS).handler(event, context)

    assert response == {"batchItemFailures": []}
    assert len(days(aws)[day_of("a" * 32)]["views"]["SS"]) == 2


def test_a_failed_write_fails_only_its_record(aws, context):
    handler = aws.handler(RECORD_POST_VIEWS)
    calls = []

    def throttle_the_second_write(**_):
        calls.append(1)
        if len(calls) == 2:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "UpdateItem")

    handler.dynamodb.meta.events.register("before-call.dynamodb.UpdateItem", throttle_the_second_write)

    response = handler.handler(post_views(), context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert day_of("b" * 32) not in days(aws)


def test_a_malformed_message_fails_alone(aws, context):
    event = post_views()
    event["Records"][1]["body"] = "{not json"
    event["Records"][2]["body"] = json.dumps({"viewId": "v2", "pageKey": "post#x"})  # no connection, no time

    response = aws.handler(RECORD_POST_VIEWS).handler(event, context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert set(days(aws)) == {day_of("a" * 32), "view#v3"}


def test_when_every_record_fails_the_batch_is_retried_whole(aws, context):
    event = post_views()
    for record in event["Records"]:
        record["body"] = "[]"

    with pytest.raises(Exception, match="All records failed"):
        aws.handler(RECORD_POST_VIEWS).handler(event, context)


def test_home_views_are_recorded_by_the_same_code(aws, context):
    response = aws.handler(RECORD_HOME_VIEWS).handler(fresh(load_event("sqs_home_views.json")), context)

    assert response == {"batchItemFailures": []}
    assert {item["pageKey"]["S"] for item in days(aws).values()} == {"blog#page#Home_Page"}
    assert days(aws)[day_of("c" * 32)]["p:" + "4" * 16] == {"N": "2"}


def repeated_views(count):
    """`count` views of one page by one visitor, each its own message."""
    event = post_views()
    template = event["Records"][0]
    event["Records"] = []
    for index in range(count):
        record = copy.deepcopy(template)
        record["messageId"] = f"m{index}"
        record["body"] = json.dumps({**json.loads(template["body"]), "viewId": f"v{index}"})
        event["Records"].append(record)
    return event


def test_views_past_the_daily_cap_of_a_visitor_on_a_page_are_dropped(aws, context, capsys):
    aws.config = with_site(aws.config, views_per_page_per_day=3)

    response = aws.handler(RECORD_POST_VIEWS).handler(repeated_views(5), context)

    assert response == {"batchItemFailures": []}
    item = days(aws)[day_of("a" * 32)]
    assert item["p:" + "1" * 16] == {"N": "3"} and len(item["views"]["SS"]) == 3
    assert '"ViewsOverDailyCap":[2.0]' in capsys.readouterr().out


def test_a_view_older_than_its_days_item_could_live_is_dropped_not_counted(aws, context, capsys):
    # A DLQ redrive days later: its visitor's day may be gone, and it would count again.
    late = int(time.time()) - ITEM_LIFETIME_SECONDS

    response = aws.handler(RECORD_POST_VIEWS).handler(fresh(load_event("sqs_post_views.json"), viewed_at=late), context)

    assert response == {"batchItemFailures": []}
    assert days(aws) == {}
    assert '"ViewsTooLateToCount":[4.0]' in capsys.readouterr().out


def test_a_views_record_names_when_it_was_sent_for_its_day(aws, context):
    # Yesterday at 01:00 UTC: inside the 48 h rule, and on another day than the write's.
    sent = start_of_day(int(time.time())) - 23 * 3600
    aws.handler(RECORD_POST_VIEWS).handler(fresh(load_event("sqs_post_views.json"), viewed_at=sent), context)

    deserialize = TypeDeserializer().deserialize
    images = [{name: deserialize(value) for name, value in item.items()} for item in aws.scan("visitor_days")]
    assert len(images) == 3
    views = [logged_view("1", image, None, aws.config.sites) for image in images]
    assert [(view.viewed_at, view.day) for view in views] == [(sent, utc_day(sent))] * 3


def test_a_record_from_before_viewed_at_and_sites_counts_on_its_connections_day_on_the_default_site(local_config):
    image = {"visitorDay": "view#v9", "pageKey": "page#Home_Page", "connectedAt": 1_700_000_000}

    view = logged_view("1", image, None, local_config.sites)
    assert (view.viewed_at, view.site, view.day, view.page_key) == (
        1_700_000_000, "blog", "2023-11-14", "blog#page#Home_Page",
    )  # fmt: skip


def test_a_message_sent_before_sites_counts_on_the_default_site(aws, context):
    event = post_views()
    for record in event["Records"]:
        body = json.loads(record["body"])
        del body["site"], body["day"]
        body["pageKey"] = body["pageKey"].removeprefix("blog#")
        record["body"] = json.dumps(body)

    assert aws.handler(RECORD_POST_VIEWS).handler(event, context) == {"batchItemFailures": []}

    assert day_of("a" * 32) in days(aws)
    assert {item["pageKey"]["S"] for item in days(aws).values()} == {"blog#post#hello-world", "blog#post#second-post"}


def test_a_views_day_is_its_sites_and_its_item_lives_48_hours_from_that_days_start(aws, context):
    # 23:30 UTC is 07:30 the next day in Shanghai: that day's item, from Shanghai's midnight.
    shanghai = Sites((dataclasses.replace(aws.config.sites.default, time_zone="Asia/Shanghai"),))
    aws.config = dataclasses.replace(aws.config, sites=shanghai)
    sent = start_of_day(int(time.time())) - 1800
    event = fresh(post_views(), viewed_at=sent)
    for record in event["Records"]:
        record["body"] = json.dumps({**json.loads(record["body"]), "day": shanghai.default.day_of(sent)})

    aws.handler(RECORD_POST_VIEWS).handler(event, context)

    today = utc_day(int(time.time()))
    item = days(aws)[f"blog#{today}#{'a' * 32}"]
    assert int(item["expiresAt"]["N"]) == start_of_day(int(time.time())) - 8 * 3600 + ITEM_LIFETIME_SECONDS


def test_a_view_of_a_site_that_is_not_configured_is_malformed(aws, context):
    event = post_views()
    event["Records"][0]["body"] = json.dumps({**json.loads(event["Records"][0]["body"]), "site": "gone"})

    response = aws.handler(RECORD_POST_VIEWS).handler(event, context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
