"""The queue consumers: one view log item per view, whatever SQS delivers twice."""

from __future__ import annotations

import copy
import json

import pytest
from botocore.exceptions import ClientError

from tests.conftest import load_event
from viewcount_infra.topology import RECORD_HOME_VIEWS, RECORD_POST_VIEWS


def logged(aws):
    return {item["viewId"]["S"]: item for item in aws.scan("view_log")}


def test_each_view_becomes_one_item_that_names_its_page_and_reader(aws, context):
    response = aws.handler(RECORD_POST_VIEWS).handler(load_event("sqs_post_views.json"), context)

    assert response == {"batchItemFailures": []}
    items = logged(aws)
    assert set(items) == {"v0", "v1", "v2", "v3"}
    assert items["v1"]["pageKey"]["S"] == "post#hello-world"
    assert items["v1"]["unique"]["BOOL"] is False
    assert items["v1"]["connectionId"]["S"] == "c1="
    assert items["v2"]["articleTitle"]["S"] == "Second"
    assert items["v0"]["campaign"]["M"] == {"utm_medium": {"S": "email"}, "utm_source": {"S": "newsletter"}}
    # Expiry outlives any redelivery, and no client address or agent is kept.
    assert int(items["v0"]["expiresAt"]["N"]) - 1795939201 >= 14 * 86400
    assert not {"sourceIp", "userAgent"} & {name for item in items.values() for name in item}


def test_a_redelivered_batch_rewrites_the_same_items(aws, context):
    handler = aws.handler(RECORD_POST_VIEWS)
    handler.handler(load_event("sqs_post_views.json"), context)
    first = logged(aws)

    handler.handler(load_event("sqs_post_views.json"), context)

    assert logged(aws) == first


def test_two_deliveries_in_one_batch_are_one_item_and_both_succeed(aws, context):
    event = load_event("sqs_post_views.json")
    again = copy.deepcopy(event["Records"][0])
    again["messageId"] = "m0-again"
    event["Records"].append(again)

    response = aws.handler(RECORD_POST_VIEWS).handler(event, context)

    assert response == {"batchItemFailures": []}
    assert len(logged(aws)) == 4


def test_a_failed_write_fails_only_the_records_it_carried(aws, context):
    event = load_event("sqs_post_views.json")
    template = event["Records"][0]
    event["Records"] = []
    for index in range(30):
        record = copy.deepcopy(template)
        record["messageId"] = f"m{index}"
        record["body"] = json.dumps({**json.loads(template["body"]), "viewId": f"v{index}"})
        event["Records"].append(record)
    handler = aws.handler(RECORD_POST_VIEWS)
    calls = []

    def throttle_first_call(**_):
        calls.append(1)
        if len(calls) == 1:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "BatchWriteItem")

    handler.dynamodb.meta.events.register("before-call.dynamodb.BatchWriteItem", throttle_first_call)

    response = handler.handler(event, context)

    assert {failure["itemIdentifier"] for failure in response["batchItemFailures"]} == {f"m{i}" for i in range(25)}
    assert set(logged(aws)) == {f"v{i}" for i in range(25, 30)}


def test_a_malformed_message_fails_alone(aws, context):
    event = load_event("sqs_post_views.json")
    event["Records"][1]["body"] = "{not json"
    event["Records"][2]["body"] = json.dumps({"viewId": "v2", "pageKey": "post#x"})  # no connection, no time

    response = aws.handler(RECORD_POST_VIEWS).handler(event, context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert set(logged(aws)) == {"v0", "v3"}


def test_when_every_record_fails_the_batch_is_retried_whole(aws, context):
    event = load_event("sqs_post_views.json")
    for record in event["Records"]:
        record["body"] = "[]"

    with pytest.raises(Exception, match="All records failed"):
        aws.handler(RECORD_POST_VIEWS).handler(event, context)


def test_home_views_are_logged_by_the_same_code(aws, context):
    response = aws.handler(RECORD_HOME_VIEWS).handler(load_event("sqs_home_views.json"), context)

    assert response == {"batchItemFailures": []}
    assert {item["pageKey"]["S"] for item in logged(aws).values()} == {"page#Home_Page"}
