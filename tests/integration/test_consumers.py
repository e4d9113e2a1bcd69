"""The SQS consumers: one write per key per batch, partial failures per key."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.conftest import load_event
from viewcount_infra.topology import HOME_VIEWS, POST_VIEWS, REFERRER_COUNTS


def counts(item):
    return int(item["totalViews"]["N"]), int(item["uniqueViews"]["N"])


def test_post_views_aggregate_one_update_per_article(aws, context):
    handler = aws.handler(POST_VIEWS)
    calls = []
    handler.dynamodb.meta.events.register(
        "before-parameter-build.dynamodb.UpdateItem", lambda params, **_: calls.append(params["Key"])
    )

    response = handler.handler(load_event("sqs_post_views.json"), context)

    assert response == {"batchItemFailures": []}
    assert len(calls) == 2  # hello-world (3 views) and second-post (1 view)
    hello = aws.item("post_counts", {"articleId": "hello-world"})
    assert counts(hello) == (3, 2)
    assert hello["articleTitle"]["S"] == "Hello, world"
    assert counts(aws.item("post_counts", {"articleId": "second-post"})) == (1, 1)


def test_a_later_view_cannot_rename_an_article(aws, context):
    handler = aws.handler(POST_VIEWS)
    handler.handler(load_event("sqs_post_views.json"), context)
    event = load_event("sqs_post_views.json")
    for record in event["Records"]:
        record["body"] = json.dumps({**json.loads(record["body"]), "articleTitle": "Buy cheap pills"})

    handler.handler(event, context)

    assert aws.item("post_counts", {"articleId": "hello-world"})["articleTitle"]["S"] == "Hello, world"


def test_a_failed_key_fails_only_its_own_records(aws, context):
    handler = aws.handler(POST_VIEWS)

    def throttle_second_post(params, **_):
        if params["Key"]["articleId"]["S"] == "second-post":
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "UpdateItem"
            )

    handler.dynamodb.meta.events.register("before-parameter-build.dynamodb.UpdateItem", throttle_second_post)

    response = handler.handler(load_event("sqs_post_views.json"), context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    # The neighbour's update stands and is not reported, so it is never applied twice.
    assert counts(aws.item("post_counts", {"articleId": "hello-world"})) == (3, 2)
    assert aws.item("post_counts", {"articleId": "second-post"}) is None


def test_a_malformed_message_fails_alone(aws, context):
    event = load_event("sqs_post_views.json")
    event["Records"][1]["body"] = "{not json"

    response = aws.handler(POST_VIEWS).handler(event, context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert counts(aws.item("post_counts", {"articleId": "hello-world"})) == (2, 2)


def test_when_every_record_fails_the_batch_is_retried_whole(aws, context):
    event = load_event("sqs_post_views.json")
    for record in event["Records"]:
        record["body"] = "[]"

    with pytest.raises(Exception, match="All records failed"):
        aws.handler(POST_VIEWS).handler(event, context)


def test_home_views_count_per_page(aws, context):
    response = aws.handler(HOME_VIEWS).handler(load_event("sqs_home_views.json"), context)

    assert response == {"batchItemFailures": []}
    assert counts(aws.item("page_counts", {"pageName": "Home_Page"})) == (3, 2)


def test_referrers_are_counted_per_page_and_host(aws, context):
    aws.handler(REFERRER_COUNTS).handler(load_event("sqs_referrers.json"), context)

    items = {(i["pageKey"]["S"], i["referrerHost"]["S"]): int(i["views"]["N"]) for i in aws.scan("referrers")}
    assert items == {("post#hello-world", "news.ycombinator.com"): 2, ("page#Home_Page", "reddit.com"): 1}
    # Counts only: no connection ids, no URLs, no per-visit rows.
    assert {key for item in aws.scan("referrers") for key in item} == {"pageKey", "referrerHost", "views"}
