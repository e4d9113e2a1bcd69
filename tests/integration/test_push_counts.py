"""The stream consumer: reader table, one push per page per batch, 410 handling."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError
from botocore.stub import Stubber

from tests.conftest import load_event
from viewcount_infra.topology import PUSH_COUNTS


def connect(aws, connection_id, page):
    aws.dynamodb.put_item(
        TableName=aws.resources.table_names["connections"],
        Item={
            "connectionId": {"S": connection_id},
            "page": {"S": page},
            "connectedAt": {"N": "1"},
            "expiresAt": {"N": "9"},
        },
    )


def test_newest_counts_reach_the_reader_table_and_every_reader_once(aws, context):
    connect(aws, "reader-a", "post#hello-world")
    connect(aws, "reader-b", "post#hello-world")
    connect(aws, "elsewhere", "post#other")
    handler = aws.handler(PUSH_COUNTS)

    response = handler.handler(load_event("ddb_stream_post_counts.json"), context)

    assert response == {"batchItemFailures": []}
    reader = aws.item("reader", {"pageKey": "post#hello-world"})
    assert (reader["totalViews"]["N"], reader["uniqueViews"]["N"]) == ("3", "2")
    expected = {"message": "views", "articleId": "hello-world", "totalViews": 3, "uniqueViews": 2, "readingNow": 2}
    # Three records for the page, one push per reader, with the latest counts.
    assert aws.sent_frames("reader-a") == [expected]
    assert aws.sent_frames("reader-b") == [expected]
    assert aws.sent_frames("elsewhere") == []


def test_remove_and_key_only_records_are_passed_over(aws, context):
    connect(aws, "home-reader", "page#Home_Page")

    response = aws.handler(PUSH_COUNTS).handler(load_event("ddb_stream_remove_and_keys_only.json"), context)

    assert response == {"batchItemFailures": []}
    assert [item["pageKey"]["S"] for item in aws.scan("reader")] == ["page#Home_Page"]
    assert aws.sent_frames("home-reader") == [
        {"message": "views", "pageName": "Home_Page", "totalViews": 7, "uniqueViews": 5, "readingNow": 1}
    ]


def test_counts_never_move_backwards(aws, context):
    handler = aws.handler(PUSH_COUNTS)
    handler.handler(load_event("ddb_stream_post_counts.json"), context)
    stale = load_event("ddb_stream_post_counts.json")
    stale["Records"] = stale["Records"][:2]  # a replay of older records: total 1

    handler.handler(stale, context)

    assert aws.item("reader", {"pageKey": "post#hello-world"})["totalViews"]["N"] == "3"


def test_a_gone_connection_is_forgotten_and_the_others_still_get_the_push(aws, context):
    connect(aws, "gone", "post#hello-world")
    connect(aws, "alive", "post#hello-world")
    handler = aws.handler(PUSH_COUNTS)
    frames = {}

    with Stubber(handler.management_api) as stub:
        # The query returns both connections; the stub answers in the order they are posted.
        posted = [item["connectionId"]["S"] for item in aws.scan("connections")]
        for connection_id in posted:
            if connection_id == "gone":
                stub.add_client_error("post_to_connection", "GoneException", http_status_code=410)
            else:
                stub.add_response("post_to_connection", {})
        handler.management_api.meta.events.register(
            "before-parameter-build.apigatewaymanagementapi.PostToConnection",
            lambda params, **_: frames.setdefault(params["ConnectionId"], json.loads(params["Data"])),
        )
        response = handler.handler(load_event("ddb_stream_post_counts.json"), context)

    assert response == {"batchItemFailures": []}
    assert [item["connectionId"]["S"] for item in aws.scan("connections")] == ["alive"]
    assert frames["alive"]["totalViews"] == 3


def test_a_push_that_fails_otherwise_is_retried(aws, context):
    connect(aws, "flaky", "post#hello-world")
    handler = aws.handler(PUSH_COUNTS)

    with Stubber(handler.management_api) as stub:
        stub.add_client_error("post_to_connection", "InternalServerError", http_status_code=500)
        response = handler.handler(load_event("ddb_stream_post_counts.json"), context)

    failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
    # Record 100 is key-only and carried nothing to push.
    assert failed == {"101", "102"}
    # The connection is not mistaken for a gone one.
    assert aws.item("connections", {"connectionId": "flaky"}) is not None


def test_a_reader_write_that_fails_is_retried(aws, context):
    handler = aws.handler(PUSH_COUNTS)

    def fail(**_):
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "PutItem")

    handler.dynamodb.meta.events.register("before-call.dynamodb.PutItem", fail)

    response = handler.handler(load_event("ddb_stream_remove_and_keys_only.json"), context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "101"}]}
